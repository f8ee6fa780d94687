package enrich

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/plowbox/plowbox/enrich/event"
)

// Enrichment is one configured enrichment of phase 2 (enrichments.md): ua parser, IP
// lookups, campaign attribution, referer parser and so on. The pipeline runs the
// configured enrichments interleaved with its built-in steps in the fixed order of
// enriched-event.md §1 (phase 2 table), sorted by Step.
type Enrichment interface {
	// Info identifies the enrichment and its position in phase 2.
	Info() EnrichmentInfo
	// Enrich updates the event's atomic fields and returns the derived contexts it
	// produces, in the order they should appear. An error is recorded as an enrichment
	// failure and the pipeline goes on with the next step; return an *EnrichmentError to
	// choose the bad-row message form, or ErrDrop to drop the event silently. in may be
	// nil when an enrichment is called on its own (tests, benchmarks).
	Enrich(ctx context.Context, e *event.Event, in *Input) ([]json.RawMessage, error)
}

// Input is what an enrichment sees of the event's processing besides the event: the raw
// event and the derived contexts of the steps before it. An enrichment may also leave
// something for the pipeline in it.
type Input struct {
	// Raw is the raw event: its tracker parameters and collector payload.
	Raw *event.RawEvent
	// Derived are the contexts the earlier enrichments derived, newest first. An
	// enrichment may replace entries (PII pseudonymisation of derived_contexts) or the
	// whole list (the JavaScript enrichment's eraseDerived_contexts()).
	Derived []json.RawMessage
	// PIITransformation is set by the PII enrichment with emitEvent: the
	// pii_transformation self-describing JSON the pipeline emits as a separate event
	// (enrichments.md §3.9), which becomes Output.PII.
	PIITransformation json.RawMessage
}

// RawEvent returns in.Raw, or nil when in is nil.
func (in *Input) RawEvent() *event.RawEvent {
	if in == nil {
		return nil
	}
	return in.Raw
}

// DerivedContexts returns in.Derived, or nil when in is nil.
func (in *Input) DerivedContexts() []json.RawMessage {
	if in == nil {
		return nil
	}
	return in.Derived
}

// EnrichmentInfo describes an enrichment for ordering and failure reporting.
type EnrichmentInfo struct {
	// Step is the row number of the enrichment in the phase 2 table of
	// enriched-event.md §1 (4 = IAB, 6 = ua-parser, 18 = IP lookups, …).
	Step int
	// SchemaKey is the Iglu URI of the enrichment's configuration, e.g.
	// iglu:com.snowplowanalytics.snowplow/ip_lookups/jsonschema/2-0-0.
	SchemaKey string
	// Identifier is the enrichment's name, e.g. "ip_lookups".
	Identifier string
}

// Built-in phase 2 steps (enriched-event.md §1); configured enrichments take the others.
const (
	StepVCollector     = 1
	StepPageURI        = 2
	StepDerivedTstamp  = 3
	StepRefererURI     = 8
	StepPageQuery      = 9
	StepCrossDomain    = 11
	StepEventSchema    = 17
	StepJavaScript     = 21
	StepLastEnrichment = 26
)

// EnrichmentError is an enrichment failure with an explicit bad-row message: one of
// badrows.ErrorMessage, badrows.InputData or badrows.IgluError.
type EnrichmentError struct {
	Message any
}

// Error implements error.
func (e *EnrichmentError) Error() string {
	b, err := json.Marshal(e.Message)
	if err != nil {
		return "enrichment error"
	}
	return string(b)
}

// ErrDrop is returned by an enrichment (the JavaScript enrichment's event.drop()) to drop
// the event: it produces no output at all.
var ErrDrop = errors.New("event dropped by enrichment")
