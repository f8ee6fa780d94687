package index

import (
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Options.MaxSegmentDocs reaches scorch's merge planner as MaxSegmentSize (a number of
// documents), which scorch accepts; 0 leaves scorch's default.
func TestScorchConfigMaxSegmentDocs(t *testing.T) {
	im, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		docs int
		want any // MaxSegmentSize in the merge plan options; nil for none
	}{
		{0, nil},
		{16777, 16777},
	} {
		cfg := scorchConfig(c.docs)
		plan, _ := cfg["scorchMergePlanOptions"].(map[string]any)
		if got := plan["MaxSegmentSize"]; got != c.want {
			t.Errorf("scorchConfig(%d): MaxSegmentSize %v, want %v", c.docs, got, c.want)
		}
		bi, err := bleve.NewUsing(t.TempDir(), im, scorch.Name, scorch.Name, cfg)
		if err != nil {
			t.Fatalf("scorchConfig(%d): %v", c.docs, err)
		}
		bi.Close()
	}
}
