// Package event holds plowbox's canonical enriched event (the 131 fields of a Snowplow
// enriched event), the raw event it was built from, and their serialisations.
package event

import (
	"time"

	"github.com/plowbox/plowbox/collector"
)

// Field identifies one of the 131 fields of the enriched event.
type Field int

// Kind is the value type of a field, which decides how each serialisation renders it.
type Kind uint8

// Field kinds. Every value is held as text; the kind says how that text is rendered.
const (
	KindString    Kind = iota // text
	KindInt                   // decimal integer text, e.g. "1920"
	KindDouble                // canonical decimal text, e.g. "12.50"
	KindFloat                 // shortest float32 text (geo_latitude, geo_longitude)
	KindBool                  // "1" or "0"
	KindTimestamp             // TSV form "2006-01-02 15:04:05.000", UTC
	KindContexts              // JSON array of self-describing JSONs, e.g. [{"schema":…,"data":…}]
	KindUnstruct              // the inner self-describing JSON {"schema":…,"data":…}
)

// FieldInfo describes one field of the enriched event.
type FieldInfo struct {
	Name    string // enrich / TSV name
	SDKName string // analytics-SDK JSON name (differs only for refr_dvce_tstamp)
	Kind    Kind
	MaxLen  int // length limit in UTF-16 code units; 0 when unchecked
}

// TimeLayout is the TSV rendering of timestamps.
const TimeLayout = "2006-01-02 15:04:05.000"

// Event is an enriched event. Each field holds its value as text in the form its Kind
// describes; the empty string means null.
type Event struct {
	v [NumFields]string
}

// Get returns the text of field f, "" when null.
func (e *Event) Get(f Field) string { return e.v[f] }

// Set sets field f to s; "" makes it null.
func (e *Event) Set(f Field, s string) { e.v[f] = s }

// IsSet reports whether field f is not null.
func (e *Event) IsSet(f Field) bool { return e.v[f] != "" }

// SetTime sets a timestamp field, truncated to milliseconds, in UTC.
func (e *Event) SetTime(f Field, t time.Time) { e.v[f] = t.UTC().Format(TimeLayout) }

// Time returns a timestamp field; ok is false when it is null or unparsable.
func (e *Event) Time(f Field) (t time.Time, ok bool) {
	if e.v[f] == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(TimeLayout, e.v[f])
	return t, err == nil
}

// Param is one tracker parameter; Value is nil for a key that had no '='.
type Param struct {
	Name  string
	Value *string
}

// Params is an ordered list of tracker parameters as received.
type Params []Param

// Get returns the last value of name (the last value wins, as in Snowplow); ok is false
// when name is absent or has no value.
func (ps Params) Get(name string) (string, bool) {
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].Name == name {
			if ps[i].Value == nil {
				return "", false
			}
			return *ps[i].Value, true
		}
	}
	return "", false
}

// RawEvent is one event as an adapter extracted it from a collector payload, before
// enrichment: the API it came through and its parameters.
type RawEvent struct {
	Vendor  string
	Version string
	Params  Params
	Payload *collector.Payload
}
