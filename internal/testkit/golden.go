// Package testkit is what plowbox's tests share: one golden-file helper with one -update
// flag, a table runner for HTTP scenarios served in-process, and a fixture of the real
// write path (collector, enricher, bbolt store and bleve index in a temporary directory).
package testkit

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is the one -update flag of every package that checks golden files.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Golden compares got with testdata/<name>; under -update it rewrites the file instead.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs (run go test -update and review the diff):\ngot  %s\nwant %s", path, got, want)
	}
}
