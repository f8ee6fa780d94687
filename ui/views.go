package ui

import "time"

// EventsView is the data of the events and bad-rows list pages. Every link in it is a
// complete URL that carries the whole view state, so any view can be shared.
type EventsView struct {
	Action  string   // the form's action: the list page's path
	Q       string   // query string as typed
	Kinds   []Choice // good / incomplete / bad toggles
	Start   string   // time range start as given in the URL ("" for open)
	End     string   // time range end as given in the URL ("" for open)
	Cols    []string // columns shown, in order
	Columns []Choice // the column picker: known columns, checked when shown
	Filters []Chip   // active facet filters, each with a link that removes it
	Hidden  []Param  // state carried by the form that it does not show as inputs
	Error   string   // a query the index could not run, said plainly
	Total   uint64
	Took    time.Duration
	Rows    []Row
	Next    string // link to the next page; "" on the last page
	First   string // link to the first page; "" on the first page
	Facets  []Facet
	Bars    []Bar  // time histogram, oldest first
	Span    string // what the histogram covers, e.g. "last 24h, 1h bars"
	ZoomOut string // link that clears the time range; "" when none is set
}

// Choice is a checkbox of a form.
type Choice struct {
	Name, Value, Label string
	Checked            bool
}

// Param is a hidden form field.
type Param struct{ Name, Value string }

// Chip is an active filter with the link that removes it.
type Chip struct{ Label, Remove string }

// Row is one record of a results table.
type Row struct {
	Seq   uint64
	Kind  string
	Href  string   // the record page
	Cells []string // one per EventsView.Cols
}

// Facet is the top values of one field among the matching records.
type Facet struct {
	Label string
	Terms []FacetTerm
}

// FacetTerm is a facet value with the link that filters on it.
type FacetTerm struct {
	Term   string
	Label  string // Term as shown, e.g. without the "iglu:" of schema URIs
	Count  int
	Href   string
	Active bool
}

// Bar is one bar of the time histogram.
type Bar struct {
	Href                     string // zooms to the bar's time range
	Label                    string // the range, for the tooltip
	Good, Incomplete, Bad    int
	X, W                     float64 // position and width in the SVG's 0…1000 user units
	GoodH, IncompleteH, BadH float64 // heights in the SVG's 0…100 user units
}

// RecordView is the data of one record's page.
type RecordView struct {
	Seq        uint64
	Kind       string // good, incomplete or bad
	Time       string
	Title      string // event name, or the bad row's failure type
	Request    Request
	Params     []KV       // decoded tracker parameters; empty for payload-level failures
	Fields     []KV       // non-null enriched fields, in canonical order
	Entities   []Entity   // self-describing event, then entities, then derived entities
	Failure    *Failure   // the bad row, for incomplete events and bad rows
	Duplicates []Link     // other records with the same event_id
	JSON       string     // the record as JSON, for the copy button
	TSV        string     // the enriched TSV line; "" for bad rows
	Curl       string     // a curl command replaying the tracker request against this plowbox
	Plan       *PlanCheck // the tracking-plan verdict; nil when the record was not checked
}

// Request is the collector request a record came from.
type Request struct {
	Method, Path, Query, Body, ContentType, IP string
	Time                                       string
	Headers                                    []string
	BodyJSON                                   []JSONLine // the body pretty-printed when it is JSON
}

// KV is a name and its value; Hi marks a value that a failure points at.
type KV struct {
	Name, Value string
	Hi          bool
}

// Entity is a self-describing JSON: the event's own data or one of its entities.
type Entity struct {
	Role   string // "event", "entity" or "derived entity"
	Schema string
	Data   []JSONLine
	Valid  bool     // false when the failure entity names this schema
	Errors []string // validation messages about this entity
}

// Failure is what went wrong with a bad row, next to its data.
type Failure struct {
	Type     string   // bad row schema name, e.g. schema_violations
	Messages []string // one line per error, with its path when it has one
	Paths    []string // offending paths (dataReports[].path), highlighted in the data
	Data     []JSONLine
}

// Link is a labelled link.
type Link struct{ Label, Href string }

// LiveView is the data of the live tail page.
type LiveView struct {
	Q      string
	Stream string // the server-sent events URL, with the query; "" when it cannot run
	Error  string // a query the index could not run, said plainly
}

// StatusView is the data of the status page.
type StatusView struct {
	Version                string
	Uptime                 string
	Good, Incomplete, Bad  int
	StoreBytes, IndexBytes string
	IndexedSeq, LastSeq    uint64
	Lag                    uint64
	Docs                   uint64
	Oldest                 string
	Followers              []FollowerRow // Kafka sinks, the relay and the tap
	Problems               []string      // health problems, said plainly
}

// FollowerRow is one Kafka sink, the relay or the tap on the status page.
type FollowerRow struct {
	Name    string
	Detail  string // lag and counts, and the last error when failing
	Healthy bool
}

// SchemasView lists the registry's schemas.
type SchemasView struct {
	Schemas []SchemaRow
	Error   string
}

// SchemaRow is one schema of the registry.
type SchemaRow struct {
	Key, Href string
	Public    bool
}

// SchemaView shows one schema.
type SchemaView struct {
	Key  string
	Body []JSONLine
}
