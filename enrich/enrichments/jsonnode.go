package enrichments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/plowbox/plowbox/enrich/event"
)

// jnode is a JSON value that keeps key order and number text, so that an edited document
// re-serialises exactly as received except for the edits.
type jnode struct {
	kind    byte // '{', '[', '"' or 'v' (number, true, false, null)
	keys    []string
	members []*jnode // object member values (parallel to keys) or array items
	str     string   // string value
	raw     string   // literal text of a 'v'
}

// parseJNode parses a JSON document.
func parseJNode(b []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := decodeJNode(dec)
	if err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after JSON value")
	}
	return n, nil
}

// decodeJNode decodes the next value of dec.
func decodeJNode(dec *json.Decoder) (*jnode, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := t.(type) {
	case json.Delim:
		n := &jnode{kind: byte(v)}
		for dec.More() {
			if v == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			m, err := decodeJNode(dec)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, m)
		}
		_, err := dec.Token() // closing delimiter
		return n, err
	case string:
		return &jnode{kind: '"', str: v}, nil
	case json.Number:
		return &jnode{kind: 'v', raw: v.String()}, nil
	case bool:
		return &jnode{kind: 'v', raw: strconv.FormatBool(v)}, nil
	default:
		return &jnode{kind: 'v', raw: "null"}, nil
	}
}

// appendJSON serialises n compactly.
func (n *jnode) appendJSON(b []byte) []byte {
	switch n.kind {
	case '"':
		return event.AppendJSONString(b, n.str)
	case 'v':
		return append(b, n.raw...)
	}
	open, closing := byte('['), byte(']')
	if n.kind == '{' {
		open, closing = '{', '}'
	}
	b = append(b, open)
	for i, m := range n.members {
		if i > 0 {
			b = append(b, ',')
		}
		if n.kind == '{' {
			b = event.AppendJSONString(b, n.keys[i])
			b = append(b, ':')
		}
		b = m.appendJSON(b)
	}
	return append(b, closing)
}

// get returns the member named key of an object, or nil.
func (n *jnode) get(key string) *jnode {
	if n == nil || n.kind != '{' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.members[i]
		}
	}
	return nil
}

// pathStep is one step of a JSONPath: a member name, an index, or a wildcard.
type pathStep struct {
	name     string
	index    int
	isIndex  bool
	wildcard bool
}

// parseJSONPath parses the JSONPath subset plowbox supports: $ followed by .name,
// ['name'], [n], [*] and .* steps.
func parseJSONPath(p string) ([]pathStep, error) {
	if !strings.HasPrefix(p, "$") {
		return nil, fmt.Errorf("must start with $")
	}
	var steps []pathStep
	s := p[1:]
	for s != "" {
		switch {
		case strings.HasPrefix(s, ".."):
			return nil, fmt.Errorf("recursive descent (..) is not supported")
		case s[0] == '.':
			s = s[1:]
			i := strings.IndexAny(s, ".[")
			if i < 0 {
				i = len(s)
			}
			name := s[:i]
			if name == "" {
				return nil, fmt.Errorf("empty member name")
			}
			steps = append(steps, pathStep{name: name, wildcard: name == "*"})
			s = s[i:]
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [")
			}
			in := s[1:end]
			s = s[end+1:]
			switch {
			case in == "*":
				steps = append(steps, pathStep{wildcard: true})
			case len(in) >= 2 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0]:
				steps = append(steps, pathStep{name: in[1 : len(in)-1]})
			default:
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("unsupported selector [%s]", in)
				}
				steps = append(steps, pathStep{index: n, isIndex: true})
			}
		default:
			return nil, fmt.Errorf("unexpected %q", s)
		}
	}
	return steps, nil
}

// mapStrings applies f to every string value that path selects in n and reports
// whether anything changed.
func (n *jnode) mapStrings(path []pathStep, f func(string) string) bool {
	if n == nil {
		return false
	}
	if len(path) == 0 {
		switch n.kind {
		case '"':
			n.str = f(n.str)
			return true
		case '[': // an array of strings: each string element
			changed := false
			for _, m := range n.members {
				if m.kind == '"' {
					m.str, changed = f(m.str), true
				}
			}
			return changed
		}
		return false
	}
	st, rest := path[0], path[1:]
	changed := false
	switch {
	case st.wildcard && (n.kind == '{' || n.kind == '['):
		for _, m := range n.members {
			changed = m.mapStrings(rest, f) || changed
		}
	case st.isIndex && n.kind == '[':
		if st.index < len(n.members) {
			changed = n.members[st.index].mapStrings(rest, f)
		}
	case !st.isIndex && n.kind == '{':
		changed = n.get(st.name).mapStrings(rest, f)
	}
	return changed
}
