package event

import "time"

// ISOLayout is the ISO-8601 rendering with milliseconds used by bad rows, the failure
// entity and Micro's rawEvent.context.timestamp.
const ISOLayout = "2006-01-02T15:04:05.000Z"

// FormatISO renders t in UTC as ISO-8601 with exactly three fractional digits and Z,
// e.g. "2021-08-29T12:01:05.787Z".
func FormatISO(t time.Time) string { return t.UTC().Format(ISOLayout) }

// FormatInstant renders t in UTC, truncated to milliseconds, the way Java's
// Instant.toString does: the fraction is omitted when it is zero
// ("2021-08-29T12:01:05Z"), else written with three digits.
func FormatInstant(t time.Time) string {
	t = t.UTC().Truncate(time.Millisecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format(ISOLayout)
}

// appendInstant appends the Java-Instant rendering of a timestamp held in TimeLayout
// form ("2006-01-02 15:04:05.000"). ok is false when ts does not have that shape.
func appendInstant(dst []byte, ts string) ([]byte, bool) {
	if len(ts) != len(TimeLayout) || ts[10] != ' ' || ts[19] != '.' {
		return dst, false
	}
	dst = append(dst, ts[:10]...)
	dst = append(dst, 'T')
	dst = append(dst, ts[11:19]...)
	if ts[20:] != "000" {
		dst = append(dst, ts[19:]...)
	}
	return append(dst, 'Z'), true
}
