package expect

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, doc, err string
	}{
		{"the spec's example", `
url: http://localhost:9090
run: ci-42
timeout: 30s
expect:
  - name: two product views
    query: event_name:product_view
    count: {exactly: 2}
  - name: add to cart follows the plan
    spec: Product added to cart
    count: {min: 1}
    valid: true
  - name: the create event carries the right fields
    query: se_action:create_project
    fields: {se_category: "Projects::CreateService", app_id: gitlab}
  - name: nothing failed
    query: kind:bad OR kind:incomplete
    count: {max: 0}
`, ""},
		{"no expectations", "url: x\n", "expect lists nothing"},
		{"neither query nor spec", "expect:\n  - name: a\n    count: {min: 1}\n", "a: give a query, a spec or both"},
		{"exactly with min", "expect:\n  - query: x\n    count: {exactly: 1, min: 1}\n", "exactly excludes min and max"},
		{"empty count", "expect:\n  - query: x\n    count: {}\n", "give exactly, min or max"},
		{"min above max", "expect:\n  - query: x\n    count: {min: 3, max: 1}\n", "min 3 is above max 1"},
		{"bad timeout", "timeout: soon\nexpect:\n  - query: x\n", `timeout "soon"`},
		{"unknown key", "expect:\n  - query: x\n    cnt: 1\n", "field cnt not found"},
		{"not YAML", "expect: [", "expectations:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
}

func TestWantAndQuery(t *testing.T) {
	one, two, zero := 1, 2, 0
	tests := []struct {
		e     Expectation
		want  string
		query string
	}{
		{Expectation{Query: "event_name:page_view"}, "at least 1", `(event_name:page_view) AND run:"ci-1"`},
		{Expectation{Spec: "Product added to cart", Count: &Count{Exactly: &two}}, "exactly 2", `spec:"Product added to cart" AND run:"ci-1"`},
		{Expectation{Query: "kind:bad", Count: &Count{Max: &zero}}, "at most 0", `(kind:bad) AND run:"ci-1"`},
		{Expectation{Query: "a", Spec: "b", Count: &Count{Min: &one, Max: &two}}, "1 to 2", `(a) AND spec:"b" AND run:"ci-1"`},
	}
	for _, tt := range tests {
		if got := tt.e.want(); got != tt.want {
			t.Errorf("want() = %q, want %q", got, tt.want)
		}
		if got := tt.e.query("ci-1"); got != tt.query {
			t.Errorf("query() = %q, want %q", got, tt.query)
		}
	}
}

func TestDiff(t *testing.T) {
	h := Hit{Event: map[string]any{"se_category": "Projects::Other", "app_id": "gitlab", "se_value": 12.5, "br_cookies": true}}
	d := diff(h, map[string]any{"se_category": "Projects::CreateService", "app_id": "gitlab", "se_value": 12.5, "br_cookies": "true", "user_id": "u1"})
	want := []string{`se_category: got "Projects::Other", want "Projects::CreateService"`, `user_id: missing, want "u1"`}
	if strings.Join(d.fields, "|") != strings.Join(want, "|") {
		t.Errorf("diff %q, want %q", d.fields, want)
	}
}
