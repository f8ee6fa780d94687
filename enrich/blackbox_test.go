package enrich

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/enrich/adapters"
	"github.com/plowbox/plowbox/internal/blackbox"
)

const blackboxPath = "../../shared/testdata/enrich-blackbox/cases.json"

// skipReason says why a case cannot run at the enricher level yet, "" when it must pass.
func skipReason(c *blackbox.Case, reg *adapters.Registry) string {
	if c.Requires != nil {
		return "needs an outside service: " + *c.Requires
	}
	if len(c.Enrichments) > 0 {
		var ids []string
		for _, e := range c.Enrichments {
			var sd struct {
				Schema string `json:"schema"`
			}
			_ = json.Unmarshal(e, &sd)
			ids = append(ids, sd.Schema)
		}
		return "needs enrichments, replayed in enrich/enrichments: " + strings.Join(ids, ", ")
	}
	v, ver, _ := c.Payload().API()
	if _, ok := reg.Lookup(v, ver); !ok {
		return "needs the vendor adapter " + v + "/" + ver
	}
	return ""
}

// TestBlackbox replays Snowplow Enrich's black-box cases through the Enricher, the
// payload built directly from each case's request.
func TestBlackbox(t *testing.T) {
	cases, err := blackbox.Load(blackboxPath)
	if err != nil {
		t.Fatal(err)
	}
	reg := adapters.NewRegistry(adapters.Options{})
	en := New(Config{Version: "1.0.0", Adapters: reg})
	type tally struct{ pass, skip int }
	counts := map[string]*tally{}
	for i := range cases {
		c := &cases[i]
		if counts[c.Folder] == nil {
			counts[c.Folder] = &tally{}
		}
		t.Run(c.Name, func(t *testing.T) {
			if why := skipReason(c, reg); why != "" {
				counts[c.Folder].skip++
				t.Skip(why)
			}
			res := en.Process(context.Background(), c.Payload())
			good := 0
			for _, o := range res.Outputs {
				if o.Stage != StageGood {
					t.Errorf("unexpected bad row: %s", o.BadRow)
					continue
				}
				good++
			}
			if good != c.ExpectedEventCount {
				t.Fatalf("got %d good events, want %d", good, c.ExpectedEventCount)
			}
			if len(c.Expected) > 0 {
				for _, m := range c.Mismatches(res.Outputs[0].Event) {
					t.Error(m)
				}
			}
			if !t.Failed() {
				counts[c.Folder].pass++
			}
		})
	}
	for _, f := range []string{"adapters", "enrichments", "misc"} {
		if tl := counts[f]; tl != nil {
			t.Logf("black-box %-11s pass %d, skip %d", f, tl.pass, tl.skip)
		}
	}
	if m := counts["misc"]; m == nil || m.pass != 5 {
		t.Errorf("every misc case must pass")
	}
	if a := counts["adapters"]; a == nil || a.pass != 14 {
		t.Errorf("every adapters case must pass")
	}
}
