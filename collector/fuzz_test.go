package collector

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzServeHTTP drives ServeHTTP with arbitrary method, path, query and the headers the
// collector interprets, under a configuration with every feature on. The handler must
// never panic and never answer 5xx: the sink always succeeds. The seed corpus is in
// testdata/fuzz/FuzzServeHTTP.
func FuzzServeHTTP(f *testing.F) {
	f.Add("GET", "/i", "e=pv&nuid=x", "sp=1; dnt=yes", "https://a.com", "192.0.2.4", "", []byte(nil), false)
	cfg := testConfig()
	cfg.EnableDefaultRedirect = true
	cfg.RedirectDomains = []string{"example.org"}
	cfg.Paths = map[string]string{"/acme/r": PathRedirect, "/acme/t": PathTP2}
	cfg.Cookie.Domains = []string{"a.com"}
	cfg.Cookie.ClientCookieName = "spc"
	cfg.DoNotTrackCookie = DoNotTrackCookieConfig{Enabled: true, Name: "dnt", Value: "y.s"}
	cfg.CookieBounce = CookieBounceConfig{Enabled: true, Name: "n3pc", FallbackNetworkUserID: "f", ForwardedProtocolHeader: "X-Forwarded-Proto"}
	cfg.CrossDomain.Enabled = true
	cfg.HSTS.Enable = true
	cfg.DropPayloadSize = 64
	c := New(cfg, SinkFunc(func(context.Context, *Payload) error { return nil }), nil)

	f.Fuzz(func(t *testing.T, method, path, query, cookie, origin, xff, contentType string, body []byte, anonymous bool) {
		req := &http.Request{
			Method:        method,
			URL:           &url.URL{Path: path, RawQuery: query},
			Header:        http.Header{},
			Host:          "example.com:8080",
			RemoteAddr:    xff + ":1",
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
		}
		for name, v := range map[string]string{"Cookie": cookie, "Origin": origin, "X-Forwarded-For": xff, "Content-Type": contentType} {
			if v != "" {
				req.Header.Set(name, v)
			}
		}
		if anonymous {
			req.Header.Set("SP-Anonymous", "*")
		}
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s: status %d body %q", method, path, query, rec.Code, rec.Body)
		}
	})
}
