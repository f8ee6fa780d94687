package index

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
)

// Indexing options: nothing is stored (the record lives in bbolt); doc values only where
// sorting and facets need them.
const (
	optSortable = bindex.IndexField | bindex.DocValues
	optIndexed  = bindex.IndexField
	optText     = bindex.IndexField | bindex.IncludeTermVectors
)

// builder turns store records into bleve documents. It is used by one goroutine.
type builder struct {
	txt     analysis.Analyzer   // plowbox_text; keywords need no analyzer (keyword.go)
	text    []byte              // free text of the current record
	cols    map[string]struct{} // lossy-JSON columns seen, with nested names
	newCols bool                // cols grew since the last take
	skipped uint64              // values left unindexed since the last take
}

// kindOf returns the index kind of a record.
func kindOf(rec *store.Record) string {
	switch {
	case rec.Stage == enrich.StageGood:
		return KindGood
	case rec.Event != nil:
		return KindIncomplete
	}
	return KindBad
}

// docID is a record's document id: its kind's initial and its sequence, so that a hit
// tells both without stored fields.
func docID(kind string, seq uint64) string {
	return string(kind[0]) + strconv.FormatUint(seq, 10)
}

// parseDocID reverses docID.
func parseDocID(id string) (seq uint64, kind string, ok bool) {
	if len(id) < 2 {
		return 0, "", false
	}
	switch id[0] {
	case 'g':
		kind = KindGood
	case 'i':
		kind = KindIncomplete
	case 'b':
		kind = KindBad
	default:
		return 0, "", false
	}
	seq, err := strconv.ParseUint(id[1:], 10, 64)
	return seq, kind, err == nil
}

// safeBuild is build that survives a panic on an unforeseen record shape: the record is
// then indexed by sequence, kind and time only, and counted as unindexable.
func (b *builder) safeBuild(rec *store.Record) (d *document.Document) {
	defer func() {
		if p := recover(); p != nil {
			b.skipped++
			d = document.NewDocument(docID(kindOf(rec), rec.Seq))
			d.AddIDField()
			d.AddField(document.NewNumericFieldWithIndexingOptions(fieldSeq, nil, float64(rec.Seq), optSortable))
			b.keyword(d, fieldKind, kindOf(rec), optSortable)
			if rec.Run != "" {
				b.keyword(d, fieldRun, rec.Run, optSortable)
			}
			if rec.Payload != nil {
				if f, err := document.NewDateTimeFieldWithIndexingOptions(fieldTime, nil, rec.Payload.Timestamp, "", optSortable); err == nil {
					d.AddField(f)
				}
			}
		}
	}()
	return b.build(rec)
}

// build returns the document of rec. It never fails: a value that cannot be indexed is
// left out and counted.
func (b *builder) build(rec *store.Record) *document.Document {
	kind := kindOf(rec)
	d := document.NewDocument(docID(kind, rec.Seq))
	d.AddIDField()
	b.text = b.text[:0]
	d.AddField(document.NewNumericFieldWithIndexingOptions(fieldSeq, nil, float64(rec.Seq), optSortable))
	b.keyword(d, fieldKind, kind, optSortable)
	source := "collector"
	if rec.Tapped() {
		source = "tap"
	}
	b.keyword(d, fieldSource, source, optSortable)
	var t time.Time
	if rec.Event != nil {
		t = b.addEvent(d, rec.Event)
	}
	b.addRunAndPlan(d, rec)
	if rec.BadRow != nil {
		ft := b.addBadRow(d, rec.BadRow)
		if t.IsZero() {
			t = ft
		}
		if p := rec.Payload; p != nil {
			var pt []byte
			pt = append(pt, p.Querystring...)
			if p.Body != nil {
				pt = append(append(pt, '\n'), *p.Body...)
			}
			if len(pt) > maxTextBytes {
				pt = pt[:maxTextBytes]
				b.skipped++
			}
			d.AddField(document.NewTextFieldCustom(fieldPayload, nil, pt, optIndexed, b.txt))
			b.addText(string(pt))
		}
	}
	if t.IsZero() && rec.Payload != nil {
		t = rec.Payload.Timestamp
	}
	if !t.IsZero() {
		if f, err := document.NewDateTimeFieldWithIndexingOptions(fieldTime, nil, t, "", optSortable); err == nil {
			d.AddField(f)
		}
	}
	if len(b.text) > 0 {
		d.AddField(document.NewTextFieldCustom(fieldText, nil, bytes.Clone(b.text), optText, b.txt))
	}
	return d
}

// addEvent adds the lossy-JSON columns of e and returns its collector_tstamp.
func (b *builder) addEvent(d *document.Document, e *event.Event) time.Time {
	if !b.hasAtomic() {
		for _, c := range columns {
			b.column(c.name)
		}
	}
	var ct time.Time
	for i := range columns {
		c := &columns[i]
		v := e.Get(c.field)
		if v == "" {
			continue
		}
		switch c.typ {
		case colNumber:
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.keyword(d, c.name, v, optSortable)
				continue
			}
			d.AddField(newCompactNumber(c.name, n, optSortable))
		case colTime:
			t, ok := e.Time(c.field)
			if !ok {
				b.skipped++
				continue
			}
			if c.field == event.CollectorTstamp {
				ct = t
			}
			d.AddField(newCompactTime(c.name, t, optSortable))
		case colBool:
			switch v {
			case "1":
				b.keyword(d, c.name, "true", optSortable)
			case "0":
				b.keyword(d, c.name, "false", optSortable)
			}
		default:
			b.keyword(d, c.name, v, optSortable)
			if c.text {
				b.addText(v)
			}
		}
	}
	if lat, lon := e.Get(event.GeoLatitude), e.Get(event.GeoLongitude); lat != "" && lon != "" {
		b.column(fieldGeo)
		b.keyword(d, fieldGeo, lat+","+lon, optIndexed)
	}
	if s := e.SchemaURI(); s != "" {
		b.keyword(d, fieldSchema, s, optSortable)
	}
	fields := 0
	b.addContexts(d, e.Get(event.Contexts), &fields)
	b.addContexts(d, e.Get(event.DerivedContexts), &fields)
	if s := e.Get(event.UnstructEvent); s != "" {
		var ue struct {
			Schema string          `json:"schema"`
			Data   json.RawMessage `json:"data"`
		}
		if json.Unmarshal([]byte(s), &ue) == nil {
			if key := event.ColumnName("unstruct_event", ue.Schema); key != "" && len(ue.Data) > 0 {
				b.addEntity(d, key, ue.Data, &fields, "")
			}
		}
	}
	return ct
}

// hasAtomic reports whether the atomic columns are already in the column set.
func (b *builder) hasAtomic() bool {
	_, ok := b.cols[columns[0].name]
	return ok
}

// addContexts adds the entities of a contexts field text.
func (b *builder) addContexts(d *document.Document, text string, fields *int) {
	if len(text) < 2 {
		return
	}
	var ents []struct {
		Schema string          `json:"schema"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(text), &ents); err != nil {
		b.skipped++
		return
	}
	for _, en := range ents {
		b.keyword(d, fieldContexts, en.Schema, optIndexed)
		key := event.ColumnName("contexts", en.Schema)
		if key == "" || len(en.Data) == 0 {
			continue
		}
		b.addEntity(d, key, en.Data, fields, en.Schema)
	}
}

// addEntity indexes one entity's (or the self-describing event's) data under key, each
// leaf under its dotted path, and records the column names it contributes. uri is the
// entity's schema, which the lossy form adds as "_schema_version"; "" for the event.
func (b *builder) addEntity(d *document.Document, key string, data json.RawMessage, fields *int, uri string) {
	b.column(key)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		b.skipped++
		return
	}
	if obj, ok := v.(map[string]any); ok {
		for k := range obj {
			b.column(key + "." + k)
		}
		if uri != "" {
			b.column(key + "._schema_version")
		}
	}
	b.flatten(d, key, v, fields, 0)
}

// flatten indexes v under path: objects by their dotted keys, arrays element by element.
// Strings and booleans are keywords, numbers are both numbers and keywords, so that a field
// whose type differs between events is found either way.
func (b *builder) flatten(d *document.Document, path string, v any, fields *int, depth int) {
	if depth > 32 {
		b.skipped++
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			b.flatten(d, path+"."+k, x, fields, depth+1)
		}
	case []any:
		for _, x := range v {
			b.flatten(d, path, x, fields, depth+1)
		}
	case nil:
	default:
		if *fields >= maxDocFields {
			b.skipped++
			return
		}
		*fields++
		switch v := v.(type) {
		case string:
			b.keyword(d, path, v, optIndexed)
			b.addText(v)
		case bool:
			b.keyword(d, path, strconv.FormatBool(v), optIndexed)
		case json.Number:
			if n, err := v.Float64(); err == nil {
				d.AddField(newCompactNumber(path, n, optIndexed))
			}
			b.keyword(d, path, v.String(), optIndexed)
		}
	}
}

// keyword adds v as one lower-cased term, truncated to maxTermBytes.
func (b *builder) keyword(d *document.Document, name, v string, opts bindex.FieldIndexingOptions) {
	if len(v) > maxTermBytes {
		v = truncateUTF8(v, maxTermBytes)
		b.skipped++
	}
	d.AddField(newKeyword(name, v, opts))
}

// addText appends s to the record's free text, within maxTextBytes.
func (b *builder) addText(s string) {
	if len(b.text)+len(s)+1 > maxTextBytes {
		b.skipped++
		return
	}
	if len(b.text) > 0 {
		b.text = append(b.text, ' ')
	}
	b.text = append(b.text, s...)
}

// column records a column name.
func (b *builder) column(name string) {
	if _, ok := b.cols[name]; !ok {
		b.cols[name] = struct{}{}
		b.newCols = true
	}
}

// badRow is the part of a bad row the index reads.
type badRow struct {
	Schema string `json:"schema"`
	Data   struct {
		Failure json.RawMessage `json:"failure"`
	} `json:"data"`
}

// addBadRow adds the bad row's type, schema, failure timestamp, messages and the schemas
// they name, and returns the failure timestamp.
func (b *builder) addBadRow(d *document.Document, row []byte) time.Time {
	var br badRow
	if err := json.Unmarshal(row, &br); err != nil {
		b.skipped++
		return time.Time{}
	}
	b.keyword(d, fieldSchema, br.Schema, optSortable)
	if typ := badRowType(br.Schema); typ != "" {
		b.keyword(d, fieldBadType, typ, optSortable)
		b.addText(typ)
	}
	var failure any
	dec := json.NewDecoder(bytes.NewReader(br.Data.Failure))
	dec.UseNumber()
	if len(br.Data.Failure) == 0 || dec.Decode(&failure) != nil {
		return time.Time{}
	}
	var t time.Time
	if m, ok := failure.(map[string]any); ok {
		if s, ok := m["timestamp"].(string); ok {
			if pt, err := time.Parse(time.RFC3339Nano, s); err == nil {
				t = pt.UTC()
				d.AddField(newCompactTime(fieldFailTime, t, optIndexed))
			}
		}
	}
	var msgs []byte
	seen := map[string]bool{}
	walkStrings(failure, "", func(key, s string) {
		switch {
		case key == "timestamp":
		case strings.HasPrefix(s, "iglu:"):
			if !seen[s] {
				seen[s] = true
				b.keyword(d, fieldFailURI, s, optIndexed)
			}
		case len(msgs)+len(s) < maxFailMsgs:
			msgs = append(append(msgs, s...), '\n')
		}
	})
	if len(msgs) > 0 {
		d.AddField(document.NewTextFieldCustom(fieldFailMsg, nil, msgs, optIndexed, b.txt))
		b.addText(string(msgs))
	}
	return t
}

// walkStrings calls fn for each string leaf of v with the key it is under.
func walkStrings(v any, key string, fn func(key, s string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			walkStrings(x, k, fn)
		}
	case []any:
		for _, x := range v {
			walkStrings(x, key, fn)
		}
	case string:
		fn(key, v)
	}
}

// badRowType returns the name of a bad-row schema URI, e.g. schema_violations.
func badRowType(uri string) string {
	rest, ok := strings.CutPrefix(uri, "iglu:")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 {
		return ""
	}
	return parts[1]
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
