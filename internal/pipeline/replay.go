package pipeline

import (
	"context"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
)

// Reprocessor returns what a replay re-runs stored bad rows with: the enricher in use
// now (the one a fixed schema or enrichment was just loaded into), then the Check hook,
// so a replayed event gets its tracking-plan verdict as an event from a tracker does.
// A replay keeps each record's test run itself (store.Replay).
func (p *Pipeline) Reprocessor() store.Reprocessor {
	return reprocessor{en: p.enricher.Load(), check: p.opts.Check}
}

// reprocessor implements store.Reprocessor with one enricher and the Check hook.
type reprocessor struct {
	en    *enrich.Enricher
	check func(*enrich.Result)
}

// Process runs a whole payload, as Pipeline.Write does.
func (r reprocessor) Process(ctx context.Context, p *collector.Payload) *enrich.Result {
	res := r.en.Process(ctx, p)
	if r.check != nil {
		r.check(res)
	}
	return res
}

// ProcessRaw runs one raw event; ok is false when an enrichment dropped it.
func (r reprocessor) ProcessRaw(ctx context.Context, raw *event.RawEvent) (enrich.Output, bool) {
	out, ok := r.en.ProcessRaw(ctx, raw)
	if !ok || r.check == nil {
		return out, ok
	}
	res := &enrich.Result{Payload: raw.Payload, Outputs: []enrich.Output{out}}
	r.check(res)
	return res.Outputs[0], true
}
