package enrich

import (
	"errors"
	"strconv"
	"strings"
)

var errDecimal = errors.New("not a valid decimal")

// canonicalDecimal parses s as an arbitrary-precision decimal (Java BigDecimal syntax:
// optional sign, digits with an optional point, optional exponent) and returns its
// canonical text as Java's BigDecimal.toString renders it after a negative scale is
// normalised to 0: "12.50" stays "12.50", "1E+3" becomes "1000", "0.0000001" is "1E-7".
func canonicalDecimal(s string) (string, error) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var digits strings.Builder
	frac, nd := 0, 0
	point := false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits.WriteByte(c)
			nd++
			if point {
				frac++
			}
		case c == '.' && !point:
			point = true
		default:
			goto exp
		}
	}
exp:
	if nd == 0 {
		return "", errDecimal
	}
	exponent := 0
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return "", errDecimal
		}
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil || s[i+1:] == "" {
			return "", errDecimal
		}
		exponent = int(e)
	}
	unscaled := strings.TrimLeft(digits.String(), "0")
	if unscaled == "" {
		unscaled = "0"
		neg = false
	}
	scale := frac - exponent
	if scale < -1_000_000 || scale > 1_000_000 {
		return "", errDecimal
	}
	if scale < 0 {
		if unscaled != "0" {
			unscaled += strings.Repeat("0", -scale)
		}
		scale = 0
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	adjusted := -scale + len(unscaled) - 1
	switch {
	case scale == 0:
		b.WriteString(unscaled)
	case adjusted >= -6:
		if len(unscaled) > scale {
			b.WriteString(unscaled[:len(unscaled)-scale])
			b.WriteByte('.')
			b.WriteString(unscaled[len(unscaled)-scale:])
		} else {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", scale-len(unscaled)))
			b.WriteString(unscaled)
		}
	default:
		b.WriteString(unscaled[:1])
		if len(unscaled) > 1 {
			b.WriteByte('.')
			b.WriteString(unscaled[1:])
		}
		b.WriteString("E")
		b.WriteString(strconv.Itoa(adjusted))
	}
	return b.String(), nil
}
