// Package adapters turns a collector payload into raw events (parameter lists), one adapter
// per vendor/version API: the Snowplow tracker protocols (tp1, tp2, the r/tp2 redirect), the
// Iglu webhook, and third-party webhooks, each of which registers itself in the vendor table.
package adapters

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
)

// API identifies an adapter by the vendor and version of the collector path it serves.
type API struct {
	Vendor  string
	Version string
}

// String renders the API as "vendor/version".
func (a API) String() string { return a.Vendor + "/" + a.Version }

// The APIs of the built-in adapters.
var (
	TP1      = API{"com.snowplowanalytics.snowplow", "tp1"}
	TP2      = API{"com.snowplowanalytics.snowplow", "tp2"}
	Redirect = API{"r", "tp2"}
	Iglu     = API{"com.snowplowanalytics.iglu", "v1"}
)

// FailureKind says which bad-row type an adapter failure becomes.
type FailureKind uint8

// Failure kinds (bad-rows.md §3.3, §3.4).
const (
	// AdapterFailures becomes an adapter_failures bad row.
	AdapterFailures FailureKind = iota + 1
	// TrackerProtocolViolations becomes a tracker_protocol_violations bad row.
	TrackerProtocolViolations
)

// Failure is why an adapter produced no raw events. Messages holds badrows message values
// (badrows.InputData, NotJSON, NotIglu, CriterionMismatch, IgluError, SchemaMapping), in order.
type Failure struct {
	Kind     FailureKind
	Messages []any
}

// Adapter extracts raw events from one collector payload. query is the payload's decoded
// query string. An adapter returns either at least one parameter list, or a non-nil
// Failure; no raw event survives a failure. Adapters must be safe for concurrent use.
type Adapter interface {
	Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure)
}

// AdapterFunc adapts a function to the Adapter interface.
type AdapterFunc func(p *collector.Payload, query event.Params) ([]event.Params, *Failure)

// Adapt calls f.
func (f AdapterFunc) Adapt(p *collector.Payload, query event.Params) ([]event.Params, *Failure) {
	return f(p, query)
}
