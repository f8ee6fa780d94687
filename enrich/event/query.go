package event

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ParseQuery decodes a raw query string the way the Snowplow loaders do
// (tracker-protocol.md §1.1): split on '&', split each pair on the first '=', and
// percent-decode name and value with '+' as a space. A pair without '=' has a nil value.
// Pairs with an empty name (including empty segments such as "a=1&&b=2") are skipped, as
// Apache URLEncodedUtils does. Invalid UTF-8 after decoding becomes U+FFFD. A malformed
// percent escape ("%zz", a trailing "%") is an error.
func ParseQuery(raw string) (Params, error) {
	if raw == "" {
		return nil, nil
	}
	ps := make(Params, 0, strings.Count(raw, "&")+1)
	for seg := range strings.SplitSeq(raw, "&") {
		rawName, rawValue, hasValue := strings.Cut(seg, "=")
		name, err := decodeComponent(rawName)
		if err != nil {
			return nil, fmt.Errorf("parse query parameter %q: %w", rawName, err)
		}
		if name == "" {
			if hasValue {
				if _, err := decodeComponent(rawValue); err != nil {
					return nil, fmt.Errorf("parse query parameter value %q: %w", rawValue, err)
				}
			}
			continue
		}
		p := Param{Name: name}
		if hasValue {
			v, err := decodeComponent(rawValue)
			if err != nil {
				return nil, fmt.Errorf("parse value of query parameter %q: %w", name, err)
			}
			p.Value = &v
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// decodeComponent percent-decodes s with '+' as space.
func decodeComponent(s string) (string, error) {
	if !strings.ContainsAny(s, "%+") {
		return validUTF8(s), nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				end := min(i+3, len(s))
				return "", fmt.Errorf("malformed percent escape %q", s[i:end])
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return validUTF8(string(b)), nil
}

// validUTF8 replaces each invalid UTF-8 byte of s with U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			sb.WriteString("\ufffd")
		} else {
			sb.WriteString(s[i : i+size])
		}
		i += size
	}
	return sb.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
