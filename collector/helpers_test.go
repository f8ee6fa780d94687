package collector

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fixed values every scenario runs with.
var (
	testNow     = time.Date(2026, 4, 2, 10, 15, 29, 870123456, time.UTC)
	testNUID    = "f3c2e5d0-8a4b-4c1e-9a7f-2b6d1e0c9a51"
	testExpires = "Fri, 02 Apr 2027 10:15:29 GMT" // testNow + 365 days
	testExpired = "Wed, 02 Apr 2025 10:15:29 GMT" // testNow - 365 days
)

// testConfig is DefaultConfig with a fixed clock, id and name.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.Name = Name("1.0.0")
	cfg.Now = func() time.Time { return testNow }
	cfg.NewID = func() string { return testNUID }
	return cfg
}

// recordingSink keeps every payload it is given; err, when set, fails every write.
type recordingSink struct {
	mu       sync.Mutex
	payloads []*Payload
	err      error
	unhealth error
}

func (s *recordingSink) Sink(_ context.Context, p *Payload) error {
	if s.err != nil {
		return s.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.payloads = append(s.payloads, p)
	return nil
}

func (s *recordingSink) Healthy() error { return s.unhealth }

// scenario is one request through ServeHTTP and everything it must produce.
type scenario struct {
	name    string
	cfg     func(*Config)
	method  string
	target  string
	headers [][2]string // in order; "Host" sets the request host
	remote  string      // peer address; default 192.0.2.1:1234
	body    string
	chunked bool // send the body without a Content-Length
	sinkErr error
	unwell  error // sink health error

	status  int
	header  http.Header // the exact response headers
	resBody string
	// stored is the JSON subset the single stored payload must match; "" means nothing
	// may be stored.
	stored string
}

// run executes the scenario and returns the stored payload, if any.
func (sc scenario) run(t *testing.T) *Payload {
	t.Helper()
	cfg := testConfig()
	if sc.cfg != nil {
		sc.cfg(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	sink := &recordingSink{err: sc.sinkErr, unhealth: sc.unwell}
	c := New(cfg, sink, nil)
	method := sc.method
	if method == "" {
		method = http.MethodGet
	}
	var body *strings.Reader
	if sc.body != "" {
		body = strings.NewReader(sc.body)
	}
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(method, sc.target, body)
	} else {
		req = httptest.NewRequest(method, sc.target, nil)
	}
	switch {
	case sc.chunked:
		req.ContentLength = -1
		req.TransferEncoding = []string{"chunked"}
	case sc.body != "":
		// net/http's server keeps Content-Length in Header; NewRequest does not.
		req.Header.Set("Content-Length", strconv.Itoa(len(sc.body)))
	}
	if sc.remote != "" {
		req.RemoteAddr = sc.remote
	}
	for _, kv := range sc.headers {
		if kv[0] == "Host" {
			req.Host = kv[1]
			continue
		}
		req.Header.Add(kv[0], kv[1])
	}
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, req)
	res := rec.Result()

	if res.StatusCode != sc.status {
		t.Errorf("status = %d, want %d", res.StatusCode, sc.status)
	}
	want := sc.header
	if want == nil {
		want = http.Header{}
	}
	if !reflect.DeepEqual(res.Header, want) {
		t.Errorf("headers:\n got %v\nwant %v", res.Header, want)
	}
	if got := rec.Body.String(); got != sc.resBody {
		t.Errorf("body = %q, want %q", got, sc.resBody)
	}
	switch {
	case sc.stored == "" && len(sink.payloads) != 0:
		t.Errorf("stored %d payloads, want none", len(sink.payloads))
	case sc.stored != "" && len(sink.payloads) != 1:
		t.Errorf("stored %d payloads, want 1", len(sink.payloads))
	case sc.stored != "":
		matchSubset(t, sink.payloads[0], sc.stored)
		return sink.payloads[0]
	}
	return nil
}

// matchSubset checks that every key of the JSON object want has the same value in p.
func matchSubset(t *testing.T, p *Payload, want string) {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got, exp map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad stored spec %s: %v", want, err)
	}
	for k, v := range exp {
		if gv, ok := got[k]; !ok || !reflect.DeepEqual(gv, v) {
			gj, _ := json.Marshal(gv)
			vj, _ := json.Marshal(v)
			t.Errorf("payload %s = %s, want %s", k, gj, vj)
		}
	}
}

// Header sets of the common responses.

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func with(h http.Header, kv ...string) http.Header {
	h = h.Clone()
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func without(h http.Header, names ...string) http.Header {
	h = h.Clone()
	for _, n := range names {
		h.Del(n)
	}
	return h
}

func cors(origin string) http.Header {
	return hdr("Access-Control-Allow-Origin", origin, "Access-Control-Allow-Credentials", "true")
}

// spCookie is the default Set-Cookie for testNUID.
var spCookie = "sp=" + testNUID + "; Expires=" + testExpires + "; Path=/; SameSite=None; Secure; HttpOnly"

func pixelHeaders(setCookies ...string) http.Header {
	h := with(cors("*"), "Content-Type", "image/gif", "Content-Length", "43",
		"Cache-Control", "no-cache, no-store, must-revalidate")
	for _, c := range setCookies {
		h.Add("Set-Cookie", c)
	}
	return h
}

func okHeaders(setCookies ...string) http.Header {
	h := with(cors("*"), "Content-Type", "text/plain; charset=UTF-8", "Content-Length", "2")
	for _, c := range setCookies {
		h.Add("Set-Cookie", c)
	}
	return h
}

func textHeaders(body string) http.Header {
	return hdr("Content-Type", "text/plain; charset=UTF-8", "Content-Length", itoa(len(body)))
}

func itoa(n int) string { return strconv.Itoa(n) }

var errBoom = errors.New("disk full")
