package testkit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Scenario is one HTTP request and what its answer must and must not contain, served
// in-process by the handler under test (after PocketBase's ApiScenario).
type Scenario struct {
	Name    string
	Method  string // GET when empty
	URL     string // path and query, e.g. /micro/good?limit=1
	Body    string
	Headers map[string]string

	// Before runs ahead of the request (seed data, set a clock); After gets the answer
	// for checks the table cannot express.
	Before func(t testing.TB)
	After  func(t testing.TB, rec *httptest.ResponseRecorder)

	ExpectedStatus     int
	ExpectedBody       string   // the whole body, when not empty
	ExpectedContent    []string // substrings the body must contain
	NotExpectedContent []string // substrings it must not contain
	ExpectedHeaders    map[string]string
}

// Run serves the scenario with h and checks the answer; it returns the recorder.
func (s Scenario) Run(t testing.TB, h http.Handler) *httptest.ResponseRecorder {
	t.Helper()
	if s.Before != nil {
		s.Before(t)
	}
	method := s.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if s.Body != "" {
		body = strings.NewReader(s.Body)
	}
	req := httptest.NewRequestWithContext(t.Context(), method, s.URL, body)
	for k, v := range s.Headers {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	got := rec.Body.String()
	if s.ExpectedStatus != 0 && rec.Code != s.ExpectedStatus {
		t.Errorf("%s: %s %s = %d, want %d; body: %.500s", s.Name, method, s.URL, rec.Code, s.ExpectedStatus, got)
	}
	if s.ExpectedBody != "" && got != s.ExpectedBody {
		t.Errorf("%s: %s %s: body\n%s\nwant\n%s", s.Name, method, s.URL, got, s.ExpectedBody)
	}
	for _, want := range s.ExpectedContent {
		if !strings.Contains(got, want) {
			t.Errorf("%s: %s %s: body lacks %q; body: %.500s", s.Name, method, s.URL, want, got)
		}
	}
	for _, bad := range s.NotExpectedContent {
		if strings.Contains(got, bad) {
			t.Errorf("%s: %s %s: body has %q; body: %.500s", s.Name, method, s.URL, bad, got)
		}
	}
	for k, want := range s.ExpectedHeaders {
		if v := rec.Header().Get(k); v != want {
			t.Errorf("%s: %s %s: header %s = %q, want %q", s.Name, method, s.URL, k, v, want)
		}
	}
	if s.After != nil {
		s.After(t, rec)
	}
	return rec
}

// RunScenarios runs each scenario as a subtest named by its Name.
func RunScenarios(t *testing.T, h http.Handler, scenarios []Scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) { s.Run(t, h) })
	}
}
