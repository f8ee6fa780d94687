package explorer

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/search"
)

// atomicFields maps analytics-SDK field names to fields.
var atomicFields = func() map[string]event.Field {
	m := make(map[string]event.Field, event.NumFields)
	for f := range event.NumFields {
		m[event.Fields[f].SDKName] = event.Field(f)
	}
	return m
}()

// cells reads the column values of one record for a results table.
type cells struct {
	rec   *store.Record
	lossy map[string]json.RawMessage // decoded on first use
	bad   *badRow                    // decoded on first use
}

func newCells(rec *store.Record) *cells { return &cells{rec: rec} }

// get returns the display value of column col: "" when the record has none.
func (c *cells) get(col string) string {
	rec := c.rec
	switch col {
	case "time":
		if rec.Event != nil && rec.Event.IsSet(event.CollectorTstamp) {
			return rec.Event.Get(event.CollectorTstamp)
		}
		if t := recordTime(rec); !t.IsZero() {
			return t.UTC().Format("2006-01-02 15:04:05.000")
		}
		return ""
	case "kind":
		return search.KindOf(rec)
	case "failure_type", "failure_message":
		if c.bad == nil {
			c.bad = parseBadRow(rec.BadRow)
		}
		if col == "failure_type" {
			return c.bad.Type
		}
		if len(c.bad.Messages) > 0 {
			return c.bad.Messages[0]
		}
		return ""
	}
	if rec.Event == nil {
		return ""
	}
	if f, ok := atomicFields[col]; ok && event.Fields[f].Kind != event.KindContexts && event.Fields[f].Kind != event.KindUnstruct {
		return rec.Event.Get(f)
	}
	if c.lossy == nil {
		c.lossy = map[string]json.RawMessage{}
		_ = json.Unmarshal(rec.Event.AppendLossyJSON(nil), &c.lossy)
	}
	name, sub, nested := strings.Cut(col, ".")
	raw, ok := c.lossy[name]
	if !ok {
		return ""
	}
	if !nested {
		return displayJSON(raw)
	}
	return displayJSON(pickMember(raw, sub))
}

// pickMember returns the member sub of an object, or of each object of an array (contexts
// columns), as one JSON array then.
func pickMember(raw json.RawMessage, sub string) json.RawMessage {
	var list []map[string]json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var vals []json.RawMessage
		for _, o := range list {
			if v, ok := o[sub]; ok {
				vals = append(vals, v)
			}
		}
		switch len(vals) {
		case 0:
			return nil
		case 1:
			return vals[0]
		}
		b, _ := json.Marshal(vals)
		return b
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		return obj[sub]
	}
	return nil
}

// displayJSON shows a JSON value as text: strings unquoted, null as "", others compact.
func displayJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
