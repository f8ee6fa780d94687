package adapters

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// jobject is a JSON object that keeps its keys in document order. A repeated key keeps its
// first position and its last value, as Snowplow's JSON parser does.
type jobject struct {
	keys []string
	vals map[string]any
}

// get returns the value of key k.
func (o *jobject) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

// str returns the value of key k when it is a string.
func (o *jobject) str(k string) (string, bool) {
	s, ok := o.vals[k].(string)
	return s, ok
}

// set sets key k to v, appending k when it is new.
func (o *jobject) set(k string, v any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// del removes key k.
func (o *jobject) del(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, key := range o.keys {
		if key == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			return
		}
	}
}

// rename renames key from to to in place, keeping its position; an existing key to is
// replaced.
func (o *jobject) rename(from, to string) {
	if from == to {
		return
	}
	v, ok := o.vals[from]
	if !ok {
		return
	}
	o.del(to)
	delete(o.vals, from)
	o.vals[to] = v
	for i, key := range o.keys {
		if key == from {
			o.keys[i] = to
			return
		}
	}
}

// parseTree parses s as exactly one JSON value nested at most maxDepth levels into a tree
// of nil, bool, json.Number, string, []any and *jobject. Errors read "invalid json: …".
func parseTree(s string, maxDepth int) (any, error) {
	raw, err := ParseJSON(s, maxDepth)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeTree(dec)
	if err != nil {
		return nil, fmt.Errorf("invalid json: %w", err)
	}
	return v, nil
}

// decodeTree reads one JSON value from dec.
func decodeTree(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &jobject{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeTree(dec)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			_, err := dec.Token()
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeTree(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
		return nil, errors.New("unexpected delimiter")
	default:
		return t, nil
	}
}

// marshalTree renders a tree compactly, keys in order, numbers as written.
func marshalTree(v any) []byte {
	return appendTree(nil, v)
}

// appendTree appends the compact JSON of v to b.
func appendTree(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case json.Number:
		return append(b, v...)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	case string:
		return append(b, jsonString(v)...)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendTree(b, e)
		}
		return append(b, ']')
	case *jobject:
		b = append(b, '{')
		for i, k := range v.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, jsonString(k)...)
			b = append(b, ':')
			b = appendTree(b, v.vals[k])
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// eachObject calls f on every object of the tree, parents before children.
func eachObject(v any, f func(o *jobject)) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			eachObject(e, f)
		}
	case *jobject:
		f(v)
		for _, k := range v.keys {
			eachObject(v.vals[k], f)
		}
	}
}

// camelKeys renames every key of every object of the tree to camel case.
func camelKeys(v any) {
	eachObject(v, func(o *jobject) {
		for _, k := range append([]string(nil), o.keys...) {
			o.rename(k, camelCase(k))
		}
	})
}

// camelCase turns snake_case and kebab-case into camelCase: "recipient-domain" →
// "recipientDomain", "my_var_1" → "myVar1". Other characters are kept.
func camelCase(s string) string {
	if !strings.ContainsAny(s, "_-") {
		return s
	}
	var b strings.Builder
	upper := false
	for _, r := range s {
		if r == '_' || r == '-' {
			upper = b.Len() > 0
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}

// isoLayout is the date-time format of converted webhook timestamps.
const isoLayout = "2006-01-02T15:04:05.000Z"

// epochToISO converts Unix time in seconds, as a JSON number or a numeric string with an
// optional fraction, to an ISO 8601 UTC timestamp with milliseconds (the fraction is
// truncated to milliseconds). ok is false when v is not such a value.
func epochToISO(v any) (string, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = string(v)
	case string:
		s = strings.TrimSpace(v)
	default:
		return "", false
	}
	secs, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || strings.HasPrefix(secs, "+") {
		return "", false
	}
	ms := int64(0)
	if frac != "" {
		for _, c := range frac {
			if c < '0' || c > '9' {
				return "", false
			}
		}
		frac = (frac + "000")[:3]
		ms, _ = strconv.ParseInt(frac, 10, 64)
	}
	return time.Unix(n, ms*int64(time.Millisecond)).UTC().Format(isoLayout), true
}

// millisToISO converts Unix time in milliseconds to an ISO 8601 UTC timestamp.
func millisToISO(v any) (string, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = string(v)
	case string:
		s = v
	default:
		return "", false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return "", false
	}
	return time.UnixMilli(n).UTC().Format(isoLayout), true
}

// sqlDateToISO converts "yyyy-MM-dd HH:mm:ss" (UTC) to an ISO 8601 timestamp with
// milliseconds; ok is false for any other string.
func sqlDateToISO(s string) (string, bool) {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		return "", false
	}
	return t.Format(isoLayout), true
}

// convertKey replaces, in every object of the tree, the value of each key in keys with
// conv(value) where conv succeeds.
func convertKey(v any, conv func(any) (string, bool), keys ...string) {
	eachObject(v, func(o *jobject) {
		for _, k := range keys {
			if old, ok := o.get(k); ok {
				if s, ok := conv(old); ok {
					o.set(k, s)
				}
			}
		}
	})
}
