package enrichments

import (
	"os"
	"path/filepath"
	"testing"
)

// An enrichment configured by two files is reported against the file being added, in
// either order of the file names: "x.json: anon_ip is already configured by
// evil_enrich.json" was the message when evil_enrich.json was the upload.
func TestConflictNamesTheAddedFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "configs", "anon_ip.good.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ existing, added, want string }{
		{"x.json", "evil_enrich.json", "evil_enrich.json: anon_ip is already configured by x.json"},
		{"a.json", "evil_enrich.json", "evil_enrich.json: anon_ip is already configured by a.json"},
		{"a.json", "", "b.json: anon_ip is already configured by a.json"},
	} {
		dir := t.TempDir()
		added := tc.added
		if added == "" {
			added = "b.json"
		}
		for _, name := range []string{tc.existing, added} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err := Load(dir, Options{DataDir: dataDir(t), Added: tc.added})
		if err == nil || err.Error() != tc.want {
			t.Errorf("existing %s, added %s: %v, want %q", tc.existing, added, err, tc.want)
		}
	}
}
