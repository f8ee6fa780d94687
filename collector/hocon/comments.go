package hocon

// blankComments replaces every comment (`#` or `//` to the end of the line, outside
// quoted and triple-quoted strings) with spaces, keeping every line and column where it
// was. The HOCON library rejects comments in a few valid places, such as a list holding
// only comments (`domains = [ # "acme.com" ]` over several lines, as in Micro's example
// micro.conf); without comments it parses those files, and its error positions still
// point into the file as written.
func blankComments(src []byte) []byte {
	out := []byte(string(src))
	for i := 0; i < len(out); i++ {
		switch {
		case hasAt(out, i, `"""`):
			end := indexFrom(out, i+3, `"""`)
			if end < 0 {
				return out
			}
			i = end + 2
		case out[i] == '"':
			for i++; i < len(out) && out[i] != '"' && out[i] != '\n'; i++ {
				if out[i] == '\\' {
					i++
				}
			}
		case out[i] == '#' || hasAt(out, i, "//"):
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		}
	}
	return out
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
