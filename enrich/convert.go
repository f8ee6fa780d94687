package enrich

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/plowbox/plowbox/enrich/event"
)

// A converter sets one or more fields from a tracker parameter value; a non-nil error is
// an atomic field parse error whose text is the report message.
type converter func(e *event.Event, v string) error

// tsvTo sets f to the tsv-cleaned value (empty → null).
func tsvTo(f event.Field) converter {
	return func(e *event.Event, v string) error {
		e.Set(f, event.CleanTSV(v))
		return nil
	}
}

// intTo sets f to a 32-bit signed integer; "null" is null.
func intTo(f event.Field) converter {
	return func(e *event.Event, v string) error {
		if v == "null" {
			e.Set(f, "")
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return errors.New("Cannot convert [" + v + "] to Int")
		}
		e.Set(f, strconv.FormatInt(n, 10))
		return nil
	}
}

// decTo sets f to the canonical text of an arbitrary-precision decimal; "null" is null.
func decTo(f event.Field) converter {
	return func(e *event.Event, v string) error {
		if v == "null" {
			e.Set(f, "")
			return nil
		}
		d, err := canonicalDecimal(v)
		if err != nil {
			return errors.New("Cannot convert [" + v + "] to Double-like String")
		}
		e.Set(f, d)
		return nil
	}
}

// boolTo sets f from exactly "1" or "0".
func boolTo(f event.Field) converter {
	return func(e *event.Event, v string) error {
		if v != "1" && v != "0" {
			return errors.New("Cannot convert [" + v + "] to boolean, only 1 or 0 allowed")
		}
		e.Set(f, v)
		return nil
	}
}

// tsTo sets f from milliseconds since the epoch; the year must be 0…9999.
func tsTo(f event.Field) converter {
	return func(e *event.Event, v string) error {
		t, err := parseMillis(v)
		if err != nil {
			return err
		}
		e.SetTime(f, t)
		return nil
	}
}

// parseMillis parses an epoch-millisecond timestamp with a year in 0…9999.
func parseMillis(v string) (time.Time, error) {
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, errors.New("Cannot convert [" + v + "] to timestamp in milliseconds")
	}
	t := time.UnixMilli(ms).UTC()
	if t.Year() < 0 || t.Year() > 9999 {
		return time.Time{}, errors.New("Formatting [" + v + "] as a timestamp failed: the year must be between 0 and 9999")
	}
	return t, nil
}

// uuidTo sets f to the lower-cased canonical UUID.
func uuidTo(f event.Field) converter {
	return func(e *event.Event, v string) error {
		if !isUUID(v) {
			return errors.New("Not a valid UUID")
		}
		e.Set(f, strings.ToLower(v))
		return nil
	}
}

var dimRe = regexp.MustCompile(`^(\d+)x(\d+)$`)

// dimTo sets w and h from "<w>x<h>".
func dimTo(w, h event.Field) converter {
	return func(e *event.Event, v string) error {
		m := dimRe.FindStringSubmatch(v)
		if m == nil {
			return errors.New("[" + v + "] does not match the pattern (\\d+)x(\\d+)")
		}
		wn, err1 := strconv.ParseInt(m[1], 10, 32)
		hn, err2 := strconv.ParseInt(m[2], 10, 32)
		if err1 != nil || err2 != nil {
			return errors.New("[" + v + "] has a dimension that is not a valid Int")
		}
		e.Set(w, strconv.FormatInt(wn, 10))
		e.Set(h, strconv.FormatInt(hn, 10))
		return nil
	}
}

// enumTo sets f from a table of allowed values.
func enumTo(f event.Field, values map[string]string, what string) converter {
	return func(e *event.Event, v string) error {
		out, ok := values[v]
		if !ok {
			return errors.New("[" + v + "] is not a valid " + what)
		}
		e.Set(f, out)
		return nil
	}
}

// ipTo sets user_ipaddress from the first token of v split on [,| ].
func ipTo(e *event.Event, v string) error {
	e.Set(event.UserIPAddress, event.CleanTSV(firstIPToken(v)))
	return nil
}

// firstIPToken returns the text before the first ',', '|' or ' '.
func firstIPToken(v string) string {
	if i := strings.IndexAny(v, ",| "); i >= 0 {
		return v[:i]
	}
	return v
}
