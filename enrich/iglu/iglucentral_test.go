package iglu

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// igluCentral is the shared static-registry copy of Iglu Central.
const igluCentral = "../../../shared/testdata/iglu-central"

// igluCentralSchemas lists every schema of the shared Iglu Central copy.
func igluCentralSchemas(t testing.TB) map[SchemaKey]string {
	t.Helper()
	root := filepath.Join(igluCentral, "schemas")
	out := map[SchemaKey]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		key, err := ParseSchemaKey("iglu:" + filepath.ToSlash(rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		out[key] = path
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return out
}

// TestIgluCentralSchemasCompile compiles every schema of Iglu Central.
func TestIgluCentralSchemasCompile(t *testing.T) {
	schemas := igluCentralSchemas(t)
	if len(schemas) < 600 {
		t.Fatalf("found %d schemas under %s, want the full copy (679)", len(schemas), igluCentral)
	}
	ok := 0
	for key, path := range schemas {
		if key.Format != "jsonschema" {
			continue
		}
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		_, _, issues := compileSchema(key, body, discardLogger())
		if issues != nil {
			t.Errorf("%s does not compile: %+v", key, issues)
			continue
		}
		ok++
	}
	t.Logf("%d of %d Iglu Central schemas compile (the other %d are avro, thrift or protobuf)", ok, len(schemas), len(schemas)-ok)
	if ok < 660 {
		t.Errorf("%d JSON Schemas compiled, want all 660", ok)
	}
}

// TestIgluCentralPatterns checks every "pattern" of Iglu Central translates to RE2.
func TestIgluCentralPatterns(t *testing.T) {
	n := 0
	for key, path := range igluCentralSchemas(t) {
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if json.Unmarshal(body, &doc) != nil {
			continue
		}
		for _, p := range collectPatterns(doc, nil) {
			n++
			if _, err := compileECMA(p); err != nil && !unsupportedECMA(p) {
				t.Errorf("%s: pattern %q: %v", key, p, err)
			} else if err != nil {
				t.Logf("%s: pattern %q uses lookaround or backreferences: matches anything", key, p)
			}
		}
	}
	t.Logf("%d patterns checked", n)
}

// collectPatterns returns the "pattern" strings anywhere in a decoded schema.
func collectPatterns(v any, out []string) []string {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			if s, ok := c.(string); ok && k == "pattern" {
				out = append(out, s)
			}
			out = collectPatterns(c, out)
		}
	case []any:
		for _, c := range v {
			out = collectPatterns(c, out)
		}
	}
	return out
}
