package collector

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchRequest is a typical JavaScript-tracker page view.
func benchRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/i?e=pv&url=https%3A%2F%2Fwww.acme.com%2Fpage&page=Page&tv=js-3.24.0&p=web&aid=site&eid=9d6b1c8e-3f0a-4e2b-8c47-5a1d2e3f4b60&dtm=1712052929870&res=1920x1080&cs=UTF-8&lang=en-US", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36")
	r.Header.Set("Accept", "image/avif,image/webp,*/*")
	r.Header.Set("Referer", "https://www.acme.com/page")
	r.Header.Set("Origin", "https://www.acme.com")
	r.Header.Set("Cookie", "_sp_id.1fff=abc.1712052929.1.1712052929; sp=11111111-1111-4111-8111-111111111111")
	return r
}

// BenchmarkServeHTTP measures GET /i through ServeHTTP with a do-nothing sink.
func BenchmarkServeHTTP(b *testing.B) {
	c := New(DefaultConfig(), SinkFunc(func(context.Context, *Payload) error { return nil }), nil)
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		c.ServeHTTP(discardWriter{h: http.Header{}}, r)
	}
}

// BenchmarkNoopHandler is the floor BenchmarkServeHTTP compares with: a handler that
// only writes the pixel.
func BenchmarkNoopHandler(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/gif")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(pixel[:])
	})
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(discardWriter{h: http.Header{}}, r)
	}
}

// discardWriter is a ResponseWriter that drops everything.
type discardWriter struct{ h http.Header }

func (w discardWriter) Header() http.Header         { return w.h }
func (w discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)               {}
