package iglu

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ecmaSpace is what ECMA-262's \s matches, as the inside of a character class.
const ecmaSpace = `\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`

// matchAll is the stand-in for a pattern Go cannot evaluate: it matches anything.
type matchAll string

// MatchString implements jsonschema.Regexp.
func (matchAll) MatchString(string) bool { return true }

// String implements jsonschema.Regexp.
func (m matchAll) String() string { return string(m) }

// ecmaRegexpEngine returns a jsonschema regexp engine for ECMA-262 patterns. Each is
// translated to RE2 (ecmaToRE2). A pattern using a construct RE2 lacks (lookaround,
// backreferences) matches anything, with a warning; a pattern that is not a regular
// expression at all is an error, which makes its schema invalid.
func ecmaRegexpEngine(log *slog.Logger) jsonschema.RegexpEngine {
	return func(pattern string) (jsonschema.Regexp, error) {
		re, err := compileECMA(pattern)
		if err == nil {
			return re, nil
		}
		if unsupportedECMA(pattern) {
			log.Warn("iglu schema pattern uses a construct Go cannot evaluate; it matches anything", "pattern", pattern, "error", err)
			return matchAll(pattern), nil
		}
		return nil, err
	}
}

// compileECMA compiles an ECMA-262 pattern with Go's regexp after translation.
func compileECMA(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(ecmaToRE2(pattern))
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	return re, nil
}

// unsupportedECMA reports whether pattern uses lookaround or backreferences.
func unsupportedECMA(pattern string) bool {
	for _, s := range []string{"(?=", "(?!", "(?<=", "(?<!"} {
		if strings.Contains(pattern, s) {
			return true
		}
	}
	for i := 0; i+1 < len(pattern); i++ {
		if pattern[i] == '\\' {
			if c := pattern[i+1]; c >= '1' && c <= '9' || c == 'k' {
				return true
			}
			i++
		}
	}
	return false
}

// ecmaToRE2 translates the ECMA-262 escapes and classes that differ in RE2: \s and \S
// (wider in ECMA), \uXXXX, \u{X…}, \cX, \0, \/, and the classes [] and [^].
func ecmaToRE2(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '[' && !inClass:
			switch {
			case strings.HasPrefix(p[i:], "[]"):
				b.WriteString(`[^\x00-\x{10FFFF}]`)
				i++
				continue
			case strings.HasPrefix(p[i:], "[^]"):
				b.WriteString(`[\x00-\x{10FFFF}]`)
				i += 2
				continue
			}
			inClass = true
			b.WriteByte(c)
			if strings.HasPrefix(p[i+1:], "^") {
				b.WriteByte('^')
				i++
			}
			// A ']' first in a class is literal in RE2 but closes an empty class in
			// ECMA; the empty forms were handled above.
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(c)
		case c == '[' && inClass:
			b.WriteString(`\[`)
		case c == '\\' && i+1 < len(p):
			i++
			i += writeEscape(&b, p, i, inClass) - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// writeEscape writes the RE2 form of the escape whose letter is p[i] and returns how
// many bytes of p it consumed from i.
func writeEscape(b *strings.Builder, p string, i int, inClass bool) int {
	c := p[i]
	switch c {
	case 's':
		if inClass {
			b.WriteString(ecmaSpace)
		} else {
			b.WriteString("[" + ecmaSpace + "]")
		}
		return 1
	case 'S':
		if inClass {
			b.WriteString(`\S`) // best effort: RE2 has no class subtraction
		} else {
			b.WriteString("[^" + ecmaSpace + "]")
		}
		return 1
	case 'u':
		if i+1 < len(p) && p[i+1] == '{' {
			if end := strings.IndexByte(p[i:], '}'); end > 0 && isHex(p[i+2:i+end]) {
				b.WriteString(`\x{` + p[i+2:i+end] + `}`)
				return end + 1
			}
		}
		if i+4 < len(p) && isHex(p[i+1:i+5]) {
			b.WriteString(`\x{` + p[i+1:i+5] + `}`)
			return 5
		}
		b.WriteByte('u') // ECMA without the u flag: "\u" is a literal u
		return 1
	case 'c':
		if i+1 < len(p) && isASCIILetter(p[i+1]) {
			fmt.Fprintf(b, `\x{%x}`, p[i+1]%32)
			return 2
		}
		b.WriteString(`\\c`)
		return 1
	case '0':
		if i+1 >= len(p) || p[i+1] < '0' || p[i+1] > '9' {
			b.WriteString(`\x00`)
			return 1
		}
	case '/', '-':
		b.WriteString(`\` + string(c))
		return 1
	case 'd', 'D', 'w', 'W', 'b', 'B', 'n', 'r', 't', 'f', 'v', 'x':
		if c == 'v' {
			b.WriteString(`\x0B`)
			return 1
		}
		b.WriteString(`\` + string(c))
		return 1
	}
	if isASCIILetter(c) || c >= '0' && c <= '9' {
		// An identity escape such as \a or \e is the letter itself in ECMA, while
		// RE2 reserves or rejects it; keep it as written so real errors surface.
		b.WriteString(`\` + string(c))
		return 1
	}
	if c < 0x80 {
		b.WriteString(`\` + string(c))
		return 1
	}
	// A non-ASCII identity escape: the character itself.
	b.WriteByte(c)
	return 1
}

// isHex reports whether s is a non-empty string of hexadecimal digits.
func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// isASCIILetter reports whether c is an ASCII letter.
func isASCIILetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
