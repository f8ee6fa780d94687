package index

import (
	"fmt"

	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/custom" // registers the "custom" analyzer type
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/truncate"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/plowbox/plowbox/enrich/event"
)

// Analyzer names registered in the index mapping.
const (
	analyzerKeyword = "plowbox_keyword" // the whole value as one lower-cased term
	analyzerText    = "plowbox_text"    // Unicode words, lower-cased, capped in length
)

// Names of the fields plowbox adds beside the lossy-JSON columns.
const (
	fieldSeq      = "seq"             // record sequence (numeric, sortable)
	fieldKind     = "kind"            // good, incomplete or bad
	fieldTime     = "time"            // the time axis: collector_tstamp or the failure timestamp
	fieldSchema   = "schema"          // the event's schema URI, or the bad row's
	fieldContexts = "contexts"        // the schema URIs of every entity
	fieldText     = "text"            // free text: what an unqualified term searches
	fieldBadType  = "failure_type"    // bad row type, e.g. schema_violations
	fieldFailTime = "failure_tstamp"  // the bad row's failure timestamp
	fieldFailMsg  = "failure_message" // the bad row's error messages, as text
	fieldFailURI  = "failure_schemas" // schemas named by the bad row's failure
	fieldPayload  = "payload"         // the collector payload's querystring and body, as text
	fieldGeo      = "geo_location"    // "lat,lon" as in the lossy JSON
	fieldSource   = "source"          // collector, or tap for records read from a pipeline's topics
	fieldName     = "event_name"      // used in facets
	maxTermBytes  = 8191              // longer keyword values are truncated (Mini's limit)
	maxTokenBytes = 255               // longer free-text words are truncated
	maxDocFields  = 1000              // entity fields indexed per record; the rest are left out
	maxTextBytes  = 64 << 10          // free text indexed per record
	maxFailMsgs   = 16 << 10          // bad-row message text indexed per record
	formatVersion = "2"               // bump when documents change shape: the index is rebuilt
)

// colType is how an atomic lossy-JSON column is indexed.
type colType uint8

const (
	colKeyword colType = iota // lower-cased exact term, doc values
	colNumber                 // numeric, doc values
	colTime                   // datetime, doc values
	colBool                   // "true" / "false" term, doc values
)

// column is one atomic field of the enriched event as indexed.
type column struct {
	field event.Field
	name  string // lossy-JSON (analytics SDK) key
	typ   colType
	text  bool // also copied into the free-text field
}

// textColumns are the atomic columns whose values the free-text field also holds.
var textColumns = map[string]bool{
	"app_id": true, "event_name": true, "page_url": true, "page_title": true, "page_referrer": true,
	"se_category": true, "se_action": true, "se_label": true, "se_property": true,
	"user_id": true, "mkt_campaign": true, "mkt_source": true, "mkt_medium": true, "mkt_term": true,
	"mkt_content": true, "refr_source": true, "refr_term": true, "tr_affiliation": true,
	"ti_name": true, "ti_category": true, "ti_sku": true, "tr_orderid": true, "ti_orderid": true,
}

// columns lists the atomic columns in canonical order; columnsByName indexes it.
var columns, columnsByName = buildColumns()

func buildColumns() ([]column, map[string]*column) {
	var cols []column
	for f := range event.NumFields {
		fi := event.Fields[f]
		c := column{field: event.Field(f), name: fi.SDKName, text: textColumns[fi.SDKName]}
		switch fi.Kind {
		case event.KindContexts, event.KindUnstruct:
			continue
		case event.KindInt, event.KindDouble, event.KindFloat:
			c.typ = colNumber
		case event.KindTimestamp:
			c.typ = colTime
		case event.KindBool:
			c.typ = colBool
		}
		cols = append(cols, c)
	}
	byName := make(map[string]*column, len(cols))
	for i := range cols {
		byName[cols[i].name] = &cols[i]
	}
	return cols, byName
}

// newMapping returns the explicit index mapping. Documents are built by hand (see doc.go),
// so the mapping serves queries: which analyzer a field's query text goes through, which
// fields are numbers or dates, and what an unqualified term searches. Fields it does not
// name (entity fields) are keywords, as the default analyzer says.
func newMapping() (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	if err := im.AddCustomTokenFilter("plowbox_truncate", map[string]any{
		"type": truncate.Name, "length": float64(maxTokenBytes),
	}); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	if err := im.AddCustomAnalyzer(analyzerKeyword, map[string]any{
		"type": "custom", "tokenizer": single.Name, "token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	if err := im.AddCustomAnalyzer(analyzerText, map[string]any{
		"type": "custom", "tokenizer": unicode.Name, "token_filters": []any{lowercase.Name, "plowbox_truncate"},
	}); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	im.DefaultAnalyzer = analyzerKeyword
	im.DefaultField = fieldText
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.IndexDynamic = true

	dm := mapping.NewDocumentMapping()
	add := func(name string, fm *mapping.FieldMapping) {
		fm.Store = false
		fm.IncludeInAll = false
		dm.AddFieldMappingsAt(name, fm)
	}
	keyword := func() *mapping.FieldMapping {
		fm := mapping.NewKeywordFieldMapping()
		fm.Analyzer = analyzerKeyword
		fm.DocValues = true
		return fm
	}
	text := func() *mapping.FieldMapping {
		fm := mapping.NewTextFieldMapping()
		fm.Analyzer = analyzerText
		fm.DocValues = false
		return fm
	}
	for _, c := range columns {
		switch c.typ {
		case colNumber:
			add(c.name, mapping.NewNumericFieldMapping())
		case colTime:
			add(c.name, mapping.NewDateTimeFieldMapping())
		default:
			add(c.name, keyword())
		}
	}
	add(fieldSeq, mapping.NewNumericFieldMapping())
	add(fieldTime, mapping.NewDateTimeFieldMapping())
	add(fieldFailTime, mapping.NewDateTimeFieldMapping())
	for _, name := range []string{fieldKind, fieldSchema, fieldContexts, fieldBadType, fieldFailURI, fieldGeo, fieldRun, fieldSpec, fieldSpecValid, fieldPlanStatus, fieldDataProduct, fieldSource} {
		add(name, keyword())
	}
	for _, name := range []string{fieldText, fieldFailMsg, fieldPayload, fieldSpecError} {
		add(name, text())
	}
	im.DefaultMapping = dm
	if err := im.Validate(); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	return im, nil
}
