package enrichments

import (
	"math"
	"strconv"
	"strings"
)

// JavaFloat renders v rounded to a 32-bit float the way Java's Float.toString does, as
// Snowplow writes geo_latitude and geo_longitude: the shortest digits that round-trip, at
// least one fractional digit, and "1.0E-4"-style notation outside [1e-3, 1e7).
func JavaFloat(v float64) string {
	f := float32(v)
	abs := math.Abs(float64(f))
	if f == 0 || (abs >= 1e-3 && abs < 1e7) {
		s := strconv.FormatFloat(float64(f), 'f', -1, 32)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	e := strconv.FormatFloat(float64(f), 'e', -1, 32) // e.g. 1.5e-05
	mant, exp, _ := strings.Cut(e, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	sign := ""
	if exp[0] == '-' {
		sign = "-"
	}
	return mant + "E" + sign + strings.TrimLeft(exp[1:], "0")
}
