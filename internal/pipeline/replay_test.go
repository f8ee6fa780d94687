package pipeline

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/store"
)

// unpublished rejects com.acme schemas until published is set, as an Iglu registry
// without the schema does.
type unpublished struct{ published *atomic.Bool }

func (u unpublished) Validate(_ context.Context, schema string, _ json.RawMessage) enrich.Validation {
	v := enrich.Validation{Schema: schema}
	if strings.Contains(schema, "com.acme/") && !u.published.Load() {
		v.Error = &badrows.ClientError{Error: "ResolutionError"}
	}
	return v
}

// A replay runs the Check hook on what it makes of stored bad rows, as Write does on
// what trackers send: re-run events (a schema published since) and re-run payloads (an
// enricher that now takes them) alike, with the enricher in use at the replay.
func TestReplayRunsCheck(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var published atomic.Bool
	checked := 0
	p := New(enrich.New(enrich.Config{Version: "test", Validator: unpublished{&published}, MaxPayloadSize: 1000}), st, Options{
		Check: func(res *enrich.Result) {
			for i := range res.Outputs {
				if res.Outputs[i].Event != nil {
					res.Outputs[i].Plan = json.RawMessage(`{"status":"unplanned","specs":[]}`)
					checked++
				}
			}
		},
	})
	ue := `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/checkout/jsonschema/1-0-0","data":{"total":3}}}`
	incomplete, err := p.Write(t.Context(), payload("e=ue&p=web&tv=t&aid=shop&ue_pr="+url.QueryEscape(ue)))
	if err != nil {
		t.Fatal(err)
	}
	tooBig, err := p.Write(t.Context(), payload("e=pv&p=web&tv=t&aid=shop&pad="+strings.Repeat("x", 1000)))
	if err != nil {
		t.Fatal(err)
	}
	if checked != 1 {
		t.Fatalf("Write checked %d events, want the incomplete one", checked)
	}
	for _, seq := range []uint64{incomplete.First, tooBig.First} {
		if rec, ok, err := st.Get(seq); err != nil || !ok || rec.Stage == enrich.StageGood {
			t.Fatalf("record %d before the fix: %+v %v %v, want a bad row", seq, rec, ok, err)
		}
	}

	published.Store(true)
	p.SetEnricher(enrich.New(enrich.Config{Version: "test", Validator: unpublished{&published}}))
	res, err := st.Replay(t.Context(), p.Reprocessor(), []uint64{incomplete.First, tooBig.First})
	if err != nil {
		t.Fatal(err)
	}
	if res.Good != 2 || len(res.Records) != 2 {
		t.Fatalf("replay = %+v, want both good", res)
	}
	if checked != 3 {
		t.Errorf("checked %d events in all, want 3: the replay's two as well", checked)
	}
	for _, r := range res.Records {
		rec, ok, err := st.Get(r.To)
		if err != nil || !ok || rec.Stage != enrich.StageGood || string(rec.Plan) != `{"status":"unplanned","specs":[]}` {
			t.Errorf("replayed record %d (of %d): %+v %v %v, want a good event with its verdict", r.To, r.From, rec, ok, err)
		}
	}
}
