package pipeline

import (
	"context"
	"testing"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/store"
)

// The Process hook runs each payload in place of the enricher's Process, and what it
// returns is what is stored.
func TestProcessHook(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := New(enrich.New(enrich.Config{Version: "test"}), st, Options{
		Process: func(ctx context.Context, en *enrich.Enricher, pl *collector.Payload) *enrich.Result {
			res := en.Process(ctx, pl)
			res.Outputs[0].Run = "ci-1"
			return res
		},
	})
	w, err := p.Write(t.Context(), payload("e=pv&p=web&tv=t&aid=shop"))
	if err != nil {
		t.Fatal(err)
	}
	rec, ok, err := st.Get(w.First)
	if err != nil || !ok || rec.Run != "ci-1" {
		t.Errorf("stored record %+v %v %v", rec, ok, err)
	}
}
