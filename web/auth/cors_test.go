package auth_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web"
	"github.com/plowbox/plowbox/web/webtest"
)

// Under --auth basic, /micro/* grants credentialed CORS only to the origins the operator
// lists: any other page gets "*" without credentials, so the browser never lets it read
// events with the user's cookie. Under --auth none, Micro's open CORS stays.
func TestMicroCORS(t *testing.T) {
	f := webtest.NewSecured(t)
	f.Auth.AllowOrigins("https://qa.example.com/")
	cookie, _ := f.Login(t, "root", webtest.AdminPassword)
	open := openRouter(t)
	cases := []struct {
		name        string
		h           http.Handler // nil: the --auth basic fixture
		method      string
		origin      string
		allowOrigin string
		credentials string
	}{
		{"basic, unlisted origin", nil, http.MethodGet, "https://evil.example", "*", ""},
		{"basic, unlisted same-site origin", nil, http.MethodGet, "https://other.example.com", "*", ""},
		{"basic, unlisted preflight", nil, http.MethodOptions, "https://evil.example", "*", ""},
		{"basic, listed origin", nil, http.MethodGet, "https://qa.example.com", "https://qa.example.com", "true"},
		{"basic, listed origin, other case", nil, http.MethodGet, "https://QA.example.com", "https://QA.example.com", "true"},
		{"basic, listed preflight", nil, http.MethodOptions, "https://qa.example.com", "https://qa.example.com", "true"},
		{"basic, no origin", nil, http.MethodGet, "", "*", ""},
		{"none, any origin", open, http.MethodGet, "https://evil.example", "https://evil.example", "true"},
		{"none, no origin", open, http.MethodGet, "", "*", "true"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := webtest.Req{Method: tc.method, Path: "/micro/good", Cookie: cookie}
			if tc.origin != "" {
				r.Header = map[string]string{"Origin": tc.origin}
			}
			var w *httptest.ResponseRecorder
			if tc.h == nil {
				w = f.Do(t, r)
			} else {
				hr := httptest.NewRequest(tc.method, r.Path, nil)
				if tc.origin != "" {
					hr.Header.Set("Origin", tc.origin)
				}
				w = httptest.NewRecorder()
				tc.h.ServeHTTP(w, hr)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tc.allowOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.allowOrigin)
			}
			if got := w.Header().Get("Access-Control-Allow-Credentials"); got != tc.credentials {
				t.Errorf("Access-Control-Allow-Credentials = %q, want %q", got, tc.credentials)
			}
			if w.Code != http.StatusOK {
				t.Errorf("status %d %s", w.Code, w.Body)
			}
		})
	}
}

// openRouter is plowbox's router under --auth none on a fresh store.
func openRouter(t testing.TB) http.Handler {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return web.New(web.Config{Collector: collector.New(collector.DefaultConfig(), collector.SinkFunc(nil), log), Store: st, MicroAPI: 4, Logger: log})
}
