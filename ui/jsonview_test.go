package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestPrettyJSON(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		highlight []string
		want      []string // "indent|key|value|comma|hi" per line
	}{
		{"keeps key order and number text", `{"b":1.50,"a":[true,null],"c":{}}`, nil, []string{
			`0||{||`, `1|"b"|1.50|,|`, `1|"a"|[||`, `2||true|,|`, `2||null||`, `1||]|,|`, `1|"c"|{}||`, `0||}||`}},
		{"exact path", `{"data":{"price":"x","sku":"y"}}`, []string{"$.data.price"}, []string{
			`0||{||`, `1|"data"|{||`, `2|"price"|"x"|,|hi`, `2|"sku"|"y"||`, `1||}||`, `0||}||`}},
		{"path of a container marks its members", `{"items":[1,2]}`, []string{"$.items"}, []string{
			`0||{||`, `1|"items"|[||hi`, `2||1|,|hi`, `2||2||hi`, `1||]||hi`, `0||}||`}},
		{"array index", `{"items":[1,2]}`, []string{"$.items[1]"}, []string{
			`0||{||`, `1|"items"|[||`, `2||1|,|`, `2||2||hi`, `1||]||`, `0||}||`}},
		{"field name", `{"eid":"x","parameters":[{"name":"eid","value":"x"},{"name":"e","value":"pv"}]}`, []string{"eid"}, []string{
			`0||{||`, `1|"eid"|"x"|,|hi`, `1|"parameters"|[||`, `2||{||hi`, `3|"name"|"eid"|,|hi`, `3|"value"|"x"||`, `2||}|,|`,
			`2||{||`, `3|"name"|"e"|,|`, `3|"value"|"pv"||`, `2||}||`, `1||]||`, `0||}||`}},
		{"not JSON", `{"schema":`, nil, []string{`0||"{\"schema\":"||`}},
		{"trailing data", `{} {}`, nil, []string{`0||"{} {}"||`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, l := range PrettyJSON([]byte(tt.doc), tt.highlight) {
				comma, hi := "", ""
				if l.Comma {
					comma = ","
				}
				if l.Hi {
					hi = "hi"
				}
				got = append(got, strings.Join([]string{string(rune('0' + l.Indent)), l.Key, l.Value, comma, hi}, "|"))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestPrettyJSONCapsHugeDocuments(t *testing.T) {
	doc := "[" + strings.Repeat("1,", 2*maxJSONLines) + "1]"
	lines := PrettyJSON([]byte(doc), nil)
	if len(lines) != maxJSONLines+1 || !strings.Contains(lines[maxJSONLines].Value, "cut after") {
		t.Fatalf("%d lines, last %+v", len(lines), lines[len(lines)-1])
	}
}

func TestPageShell(t *testing.T) {
	var b bytes.Buffer
	s := Shell{Title: `Q3 <report>`, Active: NavBad, User: "ana", Role: "viewer", CSRF: `tok"en`}
	if err := Page(s).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		`<title>Q3 &lt;report&gt; · plowbox</title>`,
		`<a href="/micro/ui/bad" aria-current="page">Bad rows</a>`,
		`<a href="/micro/ui/admin">Admin</a>`,
		`<meta name="csrf-token" content="tok&#34;en">`,
		`ana <span class="role">viewer</span>`,
		`<script src="/micro/ui/static/app.js" defer></script>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s in\n%s", want, html)
		}
	}
}
