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
	// choose the bad-row message form, or ErrDrop to drop the event silently.
	Enrich(ctx context.Context, e *event.Event, raw *event.RawEvent) ([]json.RawMessage, error)
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
