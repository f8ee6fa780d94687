package index

import (
	"testing"
)

// FuzzQueryString checks that no query string makes the parser panic: it parses or it
// returns an error.
func FuzzQueryString(f *testing.F) {
	for _, s := range []string{
		"app_id:shop AND event_name:page_view", `"add to basket" OR -kind:bad`, "(a OR b) AND NOT c",
		`contexts_com_acme_user_1.plan:pro`, `collector_tstamp:>="2026-04-02T10:00:00Z"`, "se_value:>=2.5",
		"page_url:*example*", "app_id:/sh.p/", "a:(b", `\"`, "!x", "&& ||", "f:>", "+-a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseQueryString(s)
		if err == nil && q == nil {
			t.Fatalf("parseQueryString(%q) gave neither a query nor an error", s)
		}
	})
}
