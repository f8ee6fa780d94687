package badrows

import (
	"time"

	"github.com/plowbox/plowbox/enrich/event"
)

// ClientError is the Iglu client error carried by IgluError messages (iglu.md §8.1):
// a ValidationError with dataReports or schemaIssues, or a ResolutionError with a
// lookupHistory.
type ClientError struct {
	Error         string          `json:"error"` // "ValidationError" or "ResolutionError"
	DataReports   []DataReport    `json:"dataReports,omitempty"`
	SchemaIssues  []SchemaIssue   `json:"schemaIssues,omitempty"`
	LookupHistory []LookupHistory `json:"lookupHistory,omitempty"`
	SupersededBy  *string         `json:"supersededBy,omitempty"`
}

// DataReport is one validation error of an instance against its schema.
type DataReport struct {
	Message string   `json:"message"`
	Path    string   `json:"path"`    // JSONPath of the failing node, e.g. "$.targetUrl"
	Keyword string   `json:"keyword"` // the failing keyword, e.g. "required"
	Targets []string `json:"targets"` // the validator's message arguments; [] when none
}

// SchemaIssue is one problem of a schema that is not valid draft-04.
type SchemaIssue struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// LookupHistory is what one repository answered while a schema was resolved.
type LookupHistory struct {
	Repository  string          `json:"repository"`
	Errors      []RegistryError `json:"errors"`
	Attempts    int             `json:"attempts"`
	LastAttempt time.Time       `json:"lastAttempt"`
}

// RegistryError is one repository answer: NotFound, RepoFailure or ClientFailure.
type RegistryError struct {
	Error   string `json:"error"`
	Message string `json:"message,omitempty"`
}

// MarshalJSON renders the lookup with lastAttempt as ISO-8601 UTC milliseconds.
func (l LookupHistory) MarshalJSON() ([]byte, error) {
	errs := l.Errors
	if errs == nil {
		errs = []RegistryError{}
	}
	return marshal(struct {
		Repository  string          `json:"repository"`
		Errors      []RegistryError `json:"errors"`
		Attempts    int             `json:"attempts"`
		LastAttempt string          `json:"lastAttempt"`
	}{l.Repository, errs, l.Attempts, event.FormatISO(l.LastAttempt)})
}
