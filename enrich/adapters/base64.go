package adapters

import (
	"errors"
	"strings"
)

// errBase64 is returned for input that is not base64 even under the lenient rules.
var errBase64 = errors.New("invalid base64")

// DecodeBase64 decodes base64 the lenient way Snowplow trackers rely on (tracker-protocol.md
// §1.3): the standard (+/) and URL-safe (-_) alphabets may be mixed, padding is optional,
// ASCII whitespace is skipped, and trailing bits that do not make a whole byte are dropped.
// Any other character is an error. Invalid UTF-8 in the result is replaced with U+FFFD.
func DecodeBase64(s string) (string, error) {
	out := make([]byte, 0, len(s)*3/4+3)
	var acc uint32
	n := 0
	padded := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v byte
		switch {
		case c >= 'A' && c <= 'Z':
			v = c - 'A'
		case c >= 'a' && c <= 'z':
			v = c - 'a' + 26
		case c >= '0' && c <= '9':
			v = c - '0' + 52
		case c == '+' || c == '-':
			v = 62
		case c == '/' || c == '_':
			v = 63
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			continue
		case c == '=':
			padded = true
			continue
		default:
			return "", errBase64
		}
		if padded {
			return "", errBase64 // data after padding
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), nil
}

// EncodeBase64URL encodes s with the URL-safe alphabet and no padding, as upstream
// re-encodes contexts.
func EncodeBase64URL(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var b strings.Builder
	for i := 0; i < len(s); i += 3 {
		var chunk [3]byte
		k := copy(chunk[:], s[i:])
		v := uint32(chunk[0])<<16 | uint32(chunk[1])<<8 | uint32(chunk[2])
		for j := 0; j <= k; j++ {
			b.WriteByte(alphabet[(v>>(18-6*uint(j)))&63])
		}
	}
	return b.String()
}

// errNotContexts is returned when a contexts JSON has no data array.
var errNotContexts = errors.New("invalid json: contexts must be an object with a data array")
