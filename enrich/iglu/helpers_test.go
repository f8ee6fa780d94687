package iglu

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// discardLogger returns a logger that drops everything.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fakeClock is a settable clock for cache expiry tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// newFakeClock returns a clock set to a fixed instant.
func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 4, 2, 10, 15, 30, 123456789, time.UTC)}
}

// Now returns the clock's time.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// registry is a test HTTP registry serving the shared Iglu Central copy, counting
// requests, optionally failing or hanging.
type registry struct {
	*httptest.Server
	hits   atomic.Int64
	status atomic.Int64 // when not 0, answer every request with this status
	hang   atomic.Bool  // when set, answer nothing until the client gives up
	apikey atomic.Value // string; when set, required in the "apikey" header
}

// newRegistry starts a registry; it is closed when the test ends.
func newRegistry(t testing.TB) *registry {
	t.Helper()
	r := &registry{}
	r.apikey.Store("")
	files := http.FileServer(http.Dir(igluCentral))
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		if r.hang.Load() {
			select {
			case <-req.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		if s := r.status.Load(); s != 0 {
			http.Error(w, "induced failure", int(s))
			return
		}
		if key := r.apikey.Load().(string); key != "" && req.Header.Get("apikey") != key {
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		files.ServeHTTP(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

// httpRepo returns an HTTP repository for the registry. Its timeout is long enough for a
// loaded machine; only a hanging registry (hangingRepo) is meant to reach it.
func (r *registry) httpRepo(name string, priority int) *HTTPRepository {
	return NewHTTPRepository(HTTPOptions{Name: name, Priority: priority, URI: r.URL, Timeout: 10 * time.Second})
}

// hangingRepo makes the registry hang and returns a repository that gives up on it after
// 200 ms.
func (r *registry) hangingRepo(name string) *HTTPRepository {
	r.hang.Store(true)
	return NewHTTPRepository(HTTPOptions{Name: name, URI: r.URL, Timeout: 200 * time.Millisecond})
}

// mustKey parses an Iglu URI or fails the test.
func mustKey(t testing.TB, uri string) SchemaKey {
	t.Helper()
	k, err := ParseSchemaKey(uri)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// recordingRepo is a memory repository that records the order it is asked in.
type recordingRepo struct {
	name     string
	priority int
	prefixes []string
	class    Class
	calls    *[]string
	mu       *sync.Mutex
}

func (r recordingRepo) Name() string             { return r.name }
func (r recordingRepo) Priority() int            { return r.priority }
func (r recordingRepo) VendorPrefixes() []string { return r.prefixes }
func (r recordingRepo) Class() Class             { return r.class }
func (r recordingRepo) Lookup(context.Context, SchemaKey) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.calls = append(*r.calls, r.name)
	return nil, ErrNotFound
}
