// Package enrich turns collector payloads into enriched events or bad rows, the way
// Snowplow Enrich does: load, adapt, map tracker parameters, validate self-describing
// data, run enrichments, check atomic fields, classify.
package enrich

import (
	"context"
	"encoding/json"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/adapters"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// Stage says where an output came from: a good event, or the stage that failed.
type Stage uint8

// Stages of the pipeline, in the order they run.
const (
	StageGood       Stage = iota // a good event
	StageSize                    // size_violation: the payload is over the maximum size
	StageLoad                    // collector_payload_format_violation
	StageAdapter                 // adapter_failures or tracker_protocol_violations
	StageValidation              // schema_violations or enrichment_failures, with an incomplete event
)

// Output is one result of processing a payload: a good event, an event that failed
// (a bad row plus its incomplete event), or a payload-level failure (a bad row alone).
type Output struct {
	Stage  Stage
	Raw    *event.RawEvent // nil for payload-level failures (size, load, adapter)
	Event  *event.Event    // the good or incomplete event; nil for payload-level failures
	BadRow []byte          // the bad row as compact self-describing JSON; nil when good
	// PII is the pii_transformation event the PII enrichment emitted beside a good event
	// (emitEvent, enrichments.md §3.9); nil otherwise. It is not part of the Micro
	// contract: it is neither a good event nor counted by /micro/all.
	PII *event.Event
	// Run is the test run the payload belongs to ("" for none); see internal/runs.
	Run string
	// Plan is the tracking-plan verdict of a good or incomplete event as JSON; nil when
	// the event was not checked (internal/plans).
	Plan []byte
}

// Result is everything one collector payload produced, in payload order.
type Result struct {
	Payload *collector.Payload
	Outputs []Output
}

// Validation is the outcome of validating self-describing data against its schema.
type Validation struct {
	// Schema is the schema the data was validated with: the requested one, or the version
	// named by its $supersededBy.
	Schema string
	// Error is nil when the data is valid.
	Error *badrows.ClientError
}

// Validator validates self-describing data against Iglu schemas (iglu.md §8). It is the
// seam between the pipeline and schema resolution; implementations must be safe for
// concurrent use and must not block longer than their configured timeouts.
type Validator interface {
	Validate(ctx context.Context, schema string, data json.RawMessage) Validation
}

// Config configures an Enricher.
type Config struct {
	// Version is plowbox's semantic version; v_etl and processor identities derive from it.
	Version string
	// MaxPayloadSize is the largest collector payload, in Thrift-serialised bytes, that is
	// processed; larger ones become size_violation bad rows. 0 means 1048576.
	MaxPayloadSize int
	// MaxJSONDepth limits the nesting of self-describing JSON. 0 means 50.
	MaxJSONDepth int
	// Validator validates self-describing events and entities; nil accepts them unchecked.
	Validator Validator
	// AcceptInvalid lets events with atomic field length violations through as good.
	AcceptInvalid bool
	// Now returns the processing time (etl_tstamp); nil means time.Now.
	Now func() time.Time
	// FieldLimits overrides the atomic field length limits (enriched-event.md §8), keyed by
	// enriched field name; a limit of 0 disables the check of that field.
	FieldLimits map[string]int
	// Enrichments are the configured enrichments, run in phase 2 at their Step.
	Enrichments []Enrichment
	// Adapters maps collector APIs to adapters; nil means adapters.NewRegistry with the
	// built-in and registered vendor adapters.
	Adapters *adapters.Registry
}
