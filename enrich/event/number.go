package event

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// appendJSONInt appends the decimal integer text s as a JSON number; ok is false when s
// is not an integer.
func appendJSONInt(dst []byte, s string) ([]byte, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return dst, false
	}
	return strconv.AppendInt(dst, n, 10), true
}

// appendJavaDouble appends the decimal text s as a JSON number rendered the way Java's
// Double.toString renders the parsed double (what the analytics SDK prints): integral
// values keep ".0", magnitudes outside [1e-3, 1e7) use E notation ("1.0E7").
// ok is false when s is not a finite number.
func appendJavaDouble(dst []byte, s string) ([]byte, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, false
	}
	return AppendJavaDouble(dst, f), true
}

// AppendJavaDouble appends f (which must be finite) in the form of Java's Double.toString:
// the shortest digits that round-trip, at least one fractional digit, and computerised
// scientific notation ("1.0E-4", "1.2345E7") outside [1e-3, 1e7).
func AppendJavaDouble(dst []byte, f float64) []byte {
	abs := math.Abs(f)
	if f == 0 || (abs >= 1e-3 && abs < 1e7) {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		if bytes.IndexByte(dst[start:], '.') < 0 {
			dst = append(dst, '.', '0')
		}
		return dst
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // e.g. -1.2345e+07, 1e-05
	mant, exp, _ := strings.Cut(string(e), "e")
	dst = append(dst, mant...)
	if !strings.Contains(mant, ".") {
		dst = append(dst, '.', '0')
	}
	dst = append(dst, 'E')
	if exp[0] == '-' {
		dst = append(dst, '-')
	}
	exp = strings.TrimLeft(exp[1:], "0")
	return append(dst, exp...)
}

// isJSONNumber reports whether s is a valid JSON number literal.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(s)
}
