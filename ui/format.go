package ui

import (
	"fmt"
	"strconv"
	"time"
)

// num formats a float for SVG attributes.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// count formats a count with thin grouping, e.g. 12,345.
func count[T ~int | ~uint64](n T) string {
	s := strconv.FormatUint(uint64(n), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// took formats a query duration.
func took(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

// kindLabel is the display name of a record kind.
func kindLabel(kind string) string {
	switch kind {
	case "good":
		return "good"
	case "incomplete":
		return "incomplete"
	case "bad":
		return "bad row"
	}
	return kind
}

// plural picks the word for n things.
func plural[T ~int | ~uint64](n T, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
