package enrich

import (
	"context"
	"time"

	"github.com/plowbox/plowbox/enrich/event"
)

// ProcessRaw runs one stored raw event through the pipeline again, from its tracker
// parameters (phases 1 to 3), as Process does for each event of a payload. raw.Payload
// must be the collector payload it came from. It is how a bad row is replayed after a
// schema or an enrichment was fixed: only this event is re-run, not its payload's other
// events, which may already be good. ok is false when an enrichment dropped the event.
func (en *Enricher) ProcessRaw(ctx context.Context, raw *event.RawEvent) (out Output, ok bool) {
	return en.enrich(ctx, raw, en.now().UTC().Truncate(time.Millisecond))
}
