package hocon

import "fmt"

// checkBrackets refuses text whose brackets, braces and substitutions (`${…}`) outside
// quoted strings do not pair up, or that leaves a list or a substitution open, naming
// the line and column of the culprit. HOCON allows
// none of these characters in unquoted text, so a mismatch is always an error; and the
// HOCON library never returns on some of them (an array or a substitution left open at
// the end of the file after a value of several words: `domains = [a.com b`,
// `port = ${?PORT x`), spinning in a goroutine for as long as plowbox runs. text has
// no comments left (blankComments).
func checkBrackets(text []byte) error {
	type open struct {
		c         byte // '[', '{', or '$' for `${`
		line, col int
	}
	var stack []open
	line, lineStart := 1, 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\n':
			line, lineStart = line+1, i+1
		case hasAt(text, i, `"""`):
			end := indexFrom(text, i+3, `"""`)
			if end < 0 {
				return nil // blankComments refuses it
			}
			for _, b := range text[i:end] {
				if b == '\n' {
					line++
				}
			}
			if nl := lastIndexByte(text[:end], '\n'); nl >= lineStart {
				lineStart = nl + 1
			}
			i = end + 2
		case c == '"':
			for i++; i < len(text) && text[i] != '"' && text[i] != '\n'; i++ {
				if text[i] == '\\' {
					i++
				}
			}
		case c == '[' || c == '{':
			stack = append(stack, open{c, line, i - lineStart + 1})
			if c == '{' && i > 0 && text[i-1] == '$' {
				stack[len(stack)-1] = open{'$', line, i - lineStart}
			}
		case c == ']' || c == '}':
			want := map[byte]byte{']': '[', '}': '{'}[c]
			if len(stack) == 0 {
				return fmt.Errorf("%d:%d: %c closes nothing", line, i-lineStart+1, c)
			}
			top := stack[len(stack)-1]
			if top.c != want && !(c == '}' && top.c == '$') {
				return fmt.Errorf("%d:%d: %c does not close the %s opened at %d:%d", line, i-lineStart+1, c, opener(top.c), top.line, top.col)
			}
			stack = stack[:len(stack)-1]
		}
	}
	// An object left open is the library's to report (it does); a list or a substitution
	// left open is refused here, the innermost first.
	for i := len(stack) - 1; i >= 0; i-- {
		if o := stack[i]; o.c != '{' {
			return fmt.Errorf("%d:%d: the %s opened here is not closed before the end of the file", o.line, o.col, opener(o.c))
		}
	}
	return nil
}

// opener names an opening bracket for messages.
func opener(c byte) string {
	switch c {
	case '[':
		return "[ (a list)"
	case '$':
		return "${ (a substitution)"
	default:
		return "{ (an object)"
	}
}
