package testkit

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// recordingTB records the failures a helper reports instead of failing the test.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

// The runner sends method, body and headers, and reports each expectation the answer
// misses, and only those.
func TestScenarioRun(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Method+" "+r.Header.Get("X-In"))
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "echo:"+string(b))
	})
	for _, tc := range []struct {
		name string
		sc   Scenario
		errs []string // substrings of the failures, in order
	}{
		{"all met", Scenario{Name: "ok", Method: "POST", URL: "/x", Body: "hi", Headers: map[string]string{"X-In": "1"},
			ExpectedStatus: 418, ExpectedBody: "echo:hi", ExpectedContent: []string{"hi"}, NotExpectedContent: []string{"bye"},
			ExpectedHeaders: map[string]string{"X-Seen": "POST 1"}}, nil},
		{"status", Scenario{URL: "/x", ExpectedStatus: 200}, []string{"= 418, want 200"}},
		{"body", Scenario{URL: "/x", ExpectedBody: "other"}, []string{"want\nother"}},
		{"content", Scenario{URL: "/x", Body: "a", ExpectedContent: []string{"b"}, NotExpectedContent: []string{"a"}},
			[]string{`lacks "b"`, `has "a"`}},
		{"header", Scenario{URL: "/x", ExpectedHeaders: map[string]string{"X-Seen": "PUT"}}, []string{`X-Seen = "GET ", want "PUT"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			tc.sc.Run(rec, h)
			if len(rec.errs) != len(tc.errs) {
				t.Fatalf("failures %q, want %d", rec.errs, len(tc.errs))
			}
			for i, want := range tc.errs {
				if !strings.Contains(rec.errs[i], want) {
					t.Errorf("failure %q lacks %q", rec.errs[i], want)
				}
			}
		})
	}
}
