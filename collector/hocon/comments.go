package hocon

import "fmt"

// blankComments replaces every comment (`#` or `//` to the end of the line, outside
// quoted and triple-quoted strings) with spaces, keeping every line and column where it
// was. The HOCON library rejects comments in a few valid places, such as a list holding
// only comments (`domains = [ # "acme.com" ]` over several lines, as in Micro's example
// micro.conf); without comments it parses those files, and its error positions still
// point into the file as written. A quoted string left open at the end of its line is an
// error here: the library does not return on some of them (`domains = [acme.com"]`).
func blankComments(src []byte) ([]byte, error) {
	out := []byte(string(src))
	line, lineStart := 1, 0
	for i := 0; i < len(out); i++ {
		switch {
		case out[i] == '\n':
			line, lineStart = line+1, i+1
		case hasAt(out, i, `"""`):
			end := indexFrom(out, i+3, `"""`)
			if end < 0 {
				return nil, fmt.Errorf("%d:%d: unclosed multi-line string", line, i-lineStart+1)
			}
			for _, c := range out[i:end] {
				if c == '\n' {
					line++
				}
			}
			if nl := lastIndexByte(out[:end], '\n'); nl >= lineStart {
				lineStart = nl + 1
			}
			i = end + 2
		case out[i] == '"':
			start := i
			for i++; i < len(out) && out[i] != '"'; i++ {
				if out[i] == '\n' {
					return nil, fmt.Errorf("%d:%d: unclosed string: a quote opened here is not closed on its line", line, start-lineStart+1)
				}
				if out[i] == '\\' {
					i++
				}
			}
			if i >= len(out) {
				return nil, fmt.Errorf("%d:%d: unclosed string: a quote opened here is not closed on its line", line, start-lineStart+1)
			}
		case out[i] == '#' || hasAt(out, i, "//"):
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
			i-- // the newline, if any, is counted by the next round
		}
	}
	return out, nil
}

// lastIndexByte is the index of the last c in b, or -1.
func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// hasAt reports whether b holds s at i.
func hasAt(b []byte, i int, s string) bool {
	return i+len(s) <= len(b) && string(b[i:i+len(s)]) == s
}

// indexFrom is the index of s in b at or after i, or -1.
func indexFrom(b []byte, i int, s string) int {
	for ; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}
