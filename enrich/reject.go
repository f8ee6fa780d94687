package enrich

import (
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
)

// RejectPayload returns the result of a payload refused before its events are read: one
// tracker_protocol_violations bad row keeping the whole request, whose message says
// field, value and expectation (for example a bad test-run id).
func (en *Enricher) RejectPayload(p *collector.Payload, field, value, expectation string) *Result {
	now := en.now().UTC().Truncate(time.Millisecond)
	vendor, version, _ := p.API()
	msg := badrows.InputData{Field: field, Value: &value, Expectation: expectation}
	row := badrows.TrackerProtocolViolations(en.proc, now, vendor, version, []any{msg}, p)
	return &Result{Payload: p, Outputs: []Output{{Stage: StageAdapter, BadRow: row}}}
}
