package enrich

import (
	"context"
	"testing"
)

// FuzzTrackerProtocol checks that Process never panics on any query string and always
// yields at least one output.
func FuzzTrackerProtocol(f *testing.F) {
	for _, s := range []string{
		"e=pv&url=https%3A%2F%2Fa.com%2F&res=1x1",
		"e=ue&ue_px=eyJzY2hlbWEiOiJ4In0",
		"e=se&se_va=1e99999&tid=9&dtm=-1",
		"e=pv&co=%7B%22schema%22%3A1%7D&cx=!!",
		"%zz",
	} {
		f.Add(s)
	}
	en := newTestEnricher(Config{})
	f.Fuzz(func(t *testing.T, q string) {
		res := en.Process(context.Background(), getPayload(q))
		if len(res.Outputs) == 0 {
			t.Fatalf("no output for %q", q)
		}
		for _, o := range res.Outputs {
			if o.Stage != StageGood && o.BadRow == nil {
				t.Fatalf("failure without a bad row for %q", q)
			}
		}
	})
}
