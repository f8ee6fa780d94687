package event

import (
	"strings"
	"unicode/utf8"
)

// CleanTSV applies the tracker protocol's tsv conversion (tracker-protocol.md §2): each tab
// becomes four spaces, then every control character (U+0000–U+001F, U+007F) is dropped.
// It returns s itself when nothing needs changing.
func CleanTSV(s string) string {
	i := 0
	for i < len(s) && !isCtl(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 3)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\t':
			b.WriteString("    ")
		case isCtl(c):
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isCtl reports whether c is an ASCII control character (tab included).
func isCtl(c byte) bool { return c < 0x20 || c == 0x7f }

// UTF16Len returns the length of s in UTF-16 code units, as Java's String.length counts
// it: code points above U+FFFF count twice, and each invalid UTF-8 byte counts once.
func UTF16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r > 0xFFFF {
			n += 2
		} else {
			n++
		}
		i += size
	}
	return n
}
