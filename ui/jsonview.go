package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// JSONLine is one line of pretty-printed JSON, split so that keys and values can be
// styled, with the JSON path of the value it holds.
type JSONLine struct {
	Indent int    // nesting depth
	Key    string // the member name as JSON text (quoted), "" for array items and closers
	Value  string // the value as JSON text, or an opening or closing bracket
	Class  string // str, num, lit (true/false/null) or punct
	Comma  bool   // a comma follows
	Path   string // JSONPath of the value, e.g. $.data.items[0]
	Hi     bool   // the value is one a failure points at
}

// maxJSONLines caps a pretty-printed document: pages stay usable for huge payloads.
const maxJSONLines = 5000

// PrettyJSON splits a JSON document into lines, keeping key order and number text, and
// marks the values that the given failure paths point at. A path starting with "$" must
// match the value's path exactly (or be an ancestor's path); any other path (an atomic
// field or tracker parameter such as "eid") marks members of that name and the
// {"name": "eid", …} entries of parameter lists. Text that is not JSON comes back as
// one string line.
func PrettyJSON(doc []byte, highlight []string) []JSONLine {
	p := printer{dec: json.NewDecoder(bytes.NewReader(doc)), exact: map[string]bool{}, names: map[string]bool{}}
	p.dec.UseNumber()
	for _, h := range highlight {
		if strings.HasPrefix(h, "$") {
			p.exact[h] = true
		} else if h != "" {
			p.names[h] = true
		}
	}
	tok, err := p.dec.Token()
	if err == nil {
		err = p.value(tok, "", "$", 0, false)
	}
	if err == nil {
		if _, extra := p.dec.Token(); extra != io.EOF {
			err = fmt.Errorf("trailing data")
		}
	}
	if err != nil && !p.truncated {
		text, _ := json.Marshal(string(doc))
		return []JSONLine{{Value: string(text), Class: "str", Path: "$"}}
	}
	if p.truncated {
		p.lines = append(p.lines, JSONLine{Value: fmt.Sprintf("… (cut after %d lines)", maxJSONLines), Class: "punct"})
	}
	return p.lines
}

// printer walks a token stream into lines.
type printer struct {
	dec       *json.Decoder
	lines     []JSONLine
	exact     map[string]bool
	names     map[string]bool
	truncated bool
}

// errCut stops the walk at maxJSONLines.
var errCut = fmt.Errorf("cut")

func (p *printer) add(l JSONLine) error {
	if len(p.lines) >= maxJSONLines {
		p.truncated = true
		return errCut
	}
	p.lines = append(p.lines, l)
	return nil
}

// value prints the value starting with tok; key is its quoted member name or "".
func (p *printer) value(tok json.Token, key, path string, depth int, hi bool) error {
	hi = hi || p.exact[path]
	if name := lastName(key); name != "" && p.names[name] {
		hi = true
	}
	switch t := tok.(type) {
	case json.Delim:
		closer, isObj := "]", t == '{'
		if isObj {
			closer = "}"
		}
		open := len(p.lines)
		if err := p.add(JSONLine{Indent: depth, Key: key, Value: string(t), Class: "punct", Path: path, Hi: hi}); err != nil {
			return err
		}
		for i := 0; p.dec.More(); i++ {
			var k, child string
			if isObj {
				kt, err := p.dec.Token()
				if err != nil {
					return err
				}
				name, _ := kt.(string)
				kb, _ := json.Marshal(name)
				k, child = string(kb), path+"."+name
			} else {
				child = fmt.Sprintf("%s[%d]", path, i)
			}
			vt, err := p.dec.Token()
			if err != nil {
				return err
			}
			if err := p.value(vt, k, child, depth+1, hi); err != nil {
				return err
			}
			if p.dec.More() {
				p.lines[len(p.lines)-1].Comma = true
			}
		}
		if _, err := p.dec.Token(); err != nil {
			return err
		}
		if len(p.lines) == open+1 { // empty: one line
			p.lines[open].Value += closer
			return nil
		}
		return p.add(JSONLine{Indent: depth, Value: closer, Class: "punct", Path: path, Hi: hi})
	case string:
		b, _ := json.Marshal(t)
		if key == `"name"` && p.names[t] && len(p.lines) > 0 {
			hi = true
			p.markParent(depth)
		}
		return p.add(JSONLine{Indent: depth, Key: key, Value: string(b), Class: "str", Path: path, Hi: hi})
	case json.Number:
		return p.add(JSONLine{Indent: depth, Key: key, Value: t.String(), Class: "num", Path: path, Hi: hi})
	case bool:
		return p.add(JSONLine{Indent: depth, Key: key, Value: fmt.Sprint(t), Class: "lit", Path: path, Hi: hi})
	case nil:
		return p.add(JSONLine{Indent: depth, Key: key, Value: "null", Class: "lit", Path: path, Hi: hi})
	}
	return fmt.Errorf("unexpected token %v", tok)
}

// markParent highlights the opening line of the object being printed at depth-1 (the
// {"name": "eid", "value": …} entry of a parameter list).
func (p *printer) markParent(depth int) {
	for i := len(p.lines) - 1; i >= 0; i-- {
		if p.lines[i].Indent == depth-1 {
			p.lines[i].Hi = true
			return
		}
	}
}

// lastName is the unquoted member name of a quoted key, "" for none.
func lastName(key string) string {
	if key == "" {
		return ""
	}
	var s string
	if json.Unmarshal([]byte(key), &s) != nil {
		return ""
	}
	return s
}

// Indentation is the leading spaces of a line at the given depth.
func Indentation(depth int) string { return strings.Repeat("  ", depth) }

// sep is what separates the line's key from its value.
func (l JSONLine) sep() string {
	if l.Key == "" {
		return ""
	}
	return ": "
}

// comma is the line's trailing comma, if any.
func (l JSONLine) comma() string {
	if l.Comma {
		return ","
	}
	return ""
}
