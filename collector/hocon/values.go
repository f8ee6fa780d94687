package hocon

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gurkankaymak/hocon"
)

// The conversions below follow HOCON's rules for reading a value as a type
// (https://github.com/lightbend/config/blob/main/HOCON.md#automatic-type-conversions):
// numbers and booleans may be written as strings, a duration or size may be a number
// (milliseconds, bytes) or a string with a unit.

// asString reads v as a string; numbers and booleans give their text.
func asString(v hocon.Value) (string, error) {
	switch x := v.(type) {
	case hocon.String:
		s := string(x)
		if strings.Contains(s, `\`) { // the library keeps escapes as written
			var un string
			if json.Unmarshal([]byte(`"`+s+`"`), &un) == nil {
				s = un
			}
		}
		return s, nil
	case hocon.Int, hocon.Float64, hocon.Float32, hocon.Boolean:
		return x.String(), nil
	case hocon.Duration:
		return time.Duration(x).String(), nil
	}
	if parts, ok := concatenation(v); ok { // unquoted text such as acme.com
		var b strings.Builder
		for _, p := range parts {
			s, err := asString(p)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("must be a string, not %s", describe(v))
}

// concatenation returns the parts of a value concatenation (HOCON's `acme.com` or
// `foo bar` without quotes, which the library keeps as an unexported list type).
func concatenation(v hocon.Value) ([]hocon.Value, bool) {
	if v == nil || v.Type() != hocon.ConcatenationType {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	at := reflect.TypeOf(hocon.Array{})
	if !rv.Type().ConvertibleTo(at) {
		return nil, false
	}
	return rv.Convert(at).Interface().(hocon.Array), true
}

// asBool reads v as a boolean: true/false, yes/no, on/off.
func asBool(v hocon.Value) (bool, error) {
	if b, ok := v.(hocon.Boolean); ok {
		return bool(b), nil
	}
	if s, ok := v.(hocon.String); ok {
		switch strings.ToLower(string(s)) {
		case "true", "yes", "on":
			return true, nil
		case "false", "no", "off":
			return false, nil
		}
	}
	return false, fmt.Errorf("must be true or false, not %s", describe(v))
}

// asInt reads v as a whole number.
func asInt(v hocon.Value) (int64, error) {
	switch x := v.(type) {
	case hocon.Int:
		return int64(x), nil
	case hocon.Float64:
		if f := float64(x); f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), nil
		}
	case hocon.String:
		if n, err := strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("must be a whole number, not %s", describe(v))
}

// durationRe matches a HOCON duration string: a number and an optional unit.
var durationRe = regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$`)

// durationUnits are HOCON's duration units.
var durationUnits = map[string]time.Duration{
	"ns": time.Nanosecond, "nano": time.Nanosecond, "nanos": time.Nanosecond, "nanosecond": time.Nanosecond, "nanoseconds": time.Nanosecond,
	"us": time.Microsecond, "micro": time.Microsecond, "micros": time.Microsecond, "microsecond": time.Microsecond, "microseconds": time.Microsecond,
	"": time.Millisecond, "ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// asDuration reads v as a duration: a number of milliseconds or "365 days", "5 seconds",
// "10s"; -1 (Access-Control-Max-Age's "no cache") is kept.
func asDuration(v hocon.Value) (time.Duration, error) {
	switch x := v.(type) {
	case hocon.Duration:
		return time.Duration(x), nil
	case hocon.Int:
		return time.Duration(x) * time.Millisecond, nil
	case hocon.String:
		s := strings.TrimSpace(string(x))
		neg := strings.HasPrefix(s, "-")
		m := durationRe.FindStringSubmatch(strings.TrimPrefix(s, "-"))
		if m != nil {
			unit, ok := durationUnits[m[2]]
			if !ok {
				unit, ok = durationUnits[strings.ToLower(m[2])]
			}
			if ok {
				f, _ := strconv.ParseFloat(m[1], 64)
				d := time.Duration(f * float64(unit))
				if neg {
					d = -d
				}
				return d, nil
			}
		}
	}
	return 0, fmt.Errorf("must be a duration such as \"30 seconds\" or \"365 days\", not %s", describe(v))
}

// sizeRe matches a HOCON size string: a number and an optional unit.
var sizeRe = regexp.MustCompile(`^\s*([0-9]+)\s*([a-zA-Z]*)\s*$`)

// sizeUnits are HOCON's size units, spelt exactly as HOCON allows (kB is 1000, K 1024).
var sizeUnits = map[string]int64{
	"": 1, "B": 1, "b": 1, "byte": 1, "bytes": 1,
	"kB": 1000, "kilobyte": 1000, "kilobytes": 1000,
	"K": 1 << 10, "k": 1 << 10, "Ki": 1 << 10, "KiB": 1 << 10, "kibibyte": 1 << 10, "kibibytes": 1 << 10,
	"MB": 1000 * 1000, "megabyte": 1000 * 1000, "megabytes": 1000 * 1000,
	"M": 1 << 20, "m": 1 << 20, "Mi": 1 << 20, "MiB": 1 << 20, "mebibyte": 1 << 20, "mebibytes": 1 << 20,
	"GB": 1000 * 1000 * 1000, "gigabyte": 1000 * 1000 * 1000, "gigabytes": 1000 * 1000 * 1000,
	"G": 1 << 30, "g": 1 << 30, "Gi": 1 << 30, "GiB": 1 << 30, "gibibyte": 1 << 30, "gibibytes": 1 << 30,
}

// asSize reads v as a number of bytes: 1000000, "1 MiB", "2MB".
func asSize(v hocon.Value) (int64, error) {
	if n, err := asInt(v); err == nil {
		return n, nil
	}
	if s, ok := v.(hocon.String); ok {
		if m := sizeRe.FindStringSubmatch(string(s)); m != nil {
			if mul, ok := sizeUnits[m[2]]; ok {
				n, err := strconv.ParseInt(m[1], 10, 64)
				if err == nil && n <= math.MaxInt64/mul {
					return n * mul, nil
				}
			}
		}
	}
	return 0, fmt.Errorf("must be a size in bytes such as 1000000 or \"1 MiB\", not %s", describe(v))
}

// asStrings reads v as a list of strings.
func asStrings(v hocon.Value) ([]string, error) {
	arr, ok := v.(hocon.Array)
	if !ok {
		return nil, fmt.Errorf("must be a list of strings, not %s", describe(v))
	}
	out := make([]string, 0, len(arr))
	for i, item := range arr {
		s, err := asString(item)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// asStringMap reads v as an object of strings (its keys as written, dots included).
func asStringMap(v hocon.Value) (map[string]string, error) {
	obj, ok := v.(hocon.Object)
	if !ok {
		return nil, fmt.Errorf("must be an object, not %s", describe(v))
	}
	out := make(map[string]string, len(obj))
	for k, item := range obj {
		s, err := asString(item)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		out[k] = s
	}
	return out, nil
}

// describe names a value's type and text for an error message.
func describe(v hocon.Value) string {
	switch v.(type) {
	case hocon.Object:
		return "an object"
	case hocon.Array:
		return "a list"
	case hocon.Null:
		return "null"
	case hocon.String:
		return strconv.Quote(string(v.(hocon.String)))
	case hocon.Int, hocon.Float32, hocon.Float64, hocon.Boolean:
		return v.String()
	}
	if s, err := asString(v); err == nil {
		return strconv.Quote(s)
	}
	return v.String()
}
