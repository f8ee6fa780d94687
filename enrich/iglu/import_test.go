package iglu_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/store"
)

// TestImportRegistry imports a static registry with one good schema and the files an
// import must skip, into a real store, twice.
func TestImportRegistry(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		path := filepath.Join(dir, "schemas", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const self = `"self":{"vendor":"com.acme","name":"order","format":"jsonschema","version":"1-0-0"}`
	write("com.acme/order/jsonschema/1-0-0", `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#",`+self+`,"type":"object"}`)
	write("com.acme/wrong/jsonschema/1-0-0", `{`+self+`,"type":"object"}`)
	write("com.acme/notjson/jsonschema/1-0-0", `{`)
	write("com.acme/thrift/thrift/1-0-0", `{}`)
	write("README.md", "not a schema")

	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var log strings.Builder
	rep, err := iglu.ImportRegistry(t.Context(), st, dir, &log)
	if err != nil {
		t.Fatal(err)
	}
	if rep != (iglu.ImportReport{Created: 1, Skipped: 4}) {
		t.Errorf("report %+v, want 1 created and 4 skipped\n%s", rep, log.String())
	}
	for _, want := range []string{"does not match the path", "not a JSON object", "format thrift", "not at schemas/"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("skip log lacks %q:\n%s", want, log.String())
		}
	}
	if _, _, ok, err := st.GetSchema("com.acme/order/jsonschema/1-0-0"); !ok || err != nil {
		t.Errorf("imported schema not in the store: %v, %v", ok, err)
	}
	if rep, err := iglu.ImportRegistry(t.Context(), st, filepath.Join(dir, "schemas"), &log); err != nil || rep.Updated != 1 || rep.Created != 0 {
		t.Errorf("second import from the schemas directory itself: %+v, %v", rep, err)
	}
	if _, err := iglu.ImportRegistry(t.Context(), st, t.TempDir(), &log); err == nil || !strings.Contains(err.Error(), "has no schemas directory") {
		t.Errorf("import of an empty directory: %v", err)
	}
}
