package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/store"
)

// Passwords of the fixture's users; set directly, so the policy does not apply.
const (
	adminPassword  = "admin-password"
	viewerPassword = "viewer-password"
	strongPassword = "Tr0ub4dor&3-horse-staple-42"
)

// authFixture is plowbox's whole router under --auth basic, on a real store, with an
// admin "root" and a viewer "vera", a recording collector sink and a recording control
// plane.
type authFixture struct {
	engine *gin.Engine
	h      http.Handler
	st     *store.Store
	auth   *Auth
	plane  *recordingPlane
	clock  *fakeClock

	mu       sync.Mutex
	payloads []*collector.Payload
}

// fakeClock is a settable clock for the throttle.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newAuthFixture(t testing.TB) *authFixture {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	users := NewUsers(st)
	if err := users.Add("root", adminPassword, RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := users.Add("vera", viewerPassword, RoleViewer); err != nil {
		t.Fatal(err)
	}
	f := &authFixture{st: st, plane: &recordingPlane{}, clock: &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}}
	f.auth = NewAuth(users, log)
	f.auth.throttle.now = f.clock.now
	sink := collector.SinkFunc(func(_ context.Context, p *collector.Payload) error {
		f.mu.Lock()
		f.payloads = append(f.payloads, p)
		f.mu.Unlock()
		return nil
	})
	r := iglu.NewResolver(iglu.Options{CacheSize: 10, Logger: log})
	f.engine, f.h = newRouter(Options{
		Collector: collector.New(collector.DefaultConfig(), sink, log),
		Store:     st, Auth: f.auth, MicroAPI: 4, Logger: log,
		Iglu:    &IgluOptions{Registry: st, Resolver: r, Validator: iglu.NewValidator(r, log), SuperKey: "3c1d2a4e-8f7b-4c6d-9e0f-1a2b3c4d5e6f", Version: "test"},
		Control: &ControlOptions{Plane: f.plane, Users: users, Version: "9.9.9", ReachTimeout: time.Second},
		Metrics: NewMetrics(prometheus.NewRegistry()),
		UI:      &UIOptions{Store: st, Version: "test", Session: SessionInfo, Logger: log},
	})
	return f
}

// req is one request of a scenario.
type req struct {
	method, path, body string
	contentType        string
	header             map[string]string
	basic              [2]string // user, password
	bearer             string
	cookie             string // login cookie value
	remote             string // client address, default 192.0.2.1:1234
}

// do serves r and returns the recorded answer.
func (f *authFixture) do(t testing.TB, r req) *httptest.ResponseRecorder {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	hr := httptest.NewRequestWithContext(ctx, cmpOr(r.method, http.MethodGet), r.path, strings.NewReader(r.body))
	hr.RemoteAddr = cmpOr(r.remote, "192.0.2.1:1234")
	if r.contentType != "" {
		hr.Header.Set("Content-Type", r.contentType)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	if r.basic[0] != "" {
		hr.SetBasicAuth(r.basic[0], r.basic[1])
	}
	if r.bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	if r.cookie != "" {
		hr.AddCookie(&http.Cookie{Name: SessionCookie, Value: r.cookie})
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, hr)
	return w
}

var (
	asAdmin  = [2]string{"root", adminPassword}
	asViewer = [2]string{"vera", viewerPassword}
)

// login signs user in through the form and returns the cookie value and CSRF token.
func (f *authFixture) login(t testing.TB, user, password string) (cookie, csrf string) {
	t.Helper()
	w := f.do(t, req{method: http.MethodPost, path: LoginPath, contentType: "application/x-www-form-urlencoded",
		body: url.Values{"user": {user}, "password": {password}, "next": {"/micro/all"}}.Encode()})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			cookie = c.Value
		}
	}
	me := f.do(t, req{path: "/plowbox/api/me", cookie: cookie})
	_, after, _ := strings.Cut(me.Body.String(), `"csrf":"`)
	csrf, _, _ = strings.Cut(after, `"`)
	if cookie == "" || csrf == "" {
		t.Fatalf("login gave cookie %q, /plowbox/api/me %s", cookie, me.Body)
	}
	return cookie, csrf
}

// recordingPlane is a ControlPlane that records the calls it gets, for the tests of
// the HTTP side of the verbs; cmd/plowbox tests the real one end to end.
type recordingPlane struct {
	mu    sync.Mutex
	calls []string
	fail  error // returned by every call when set
}

func (p *recordingPlane) record(call string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, call)
	return p.fail
}

func (p *recordingPlane) last() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) == 0 {
		return ""
	}
	return p.calls[len(p.calls)-1]
}

func (p *recordingPlane) Reload(context.Context) error { return p.record("reload") }
func (p *recordingPlane) ReloadService(_ context.Context, s string) error {
	return p.record("reload " + s)
}
func (p *recordingPlane) Reset(context.Context) error { return p.record("reset") }
func (p *recordingPlane) PutEnrichment(_ context.Context, name string, body []byte) error {
	return p.record("enrichment " + name + " " + string(body))
}
func (p *recordingPlane) AddRegistry(_ context.Context, r Registry) error {
	return p.record("registry " + r.Name + " " + r.URI + " " + r.APIKey + " " + strings.Join(r.VendorPrefixes, ",") + " " + itoa(r.Priority))
}
func (p *recordingPlane) SetSuperKey(_ context.Context, k string) error {
	return p.record("superkey " + k)
}
func (p *recordingPlane) FlushIgluCache() { p.record("flush") }
func (p *recordingPlane) Status(context.Context) Status {
	p.record("status")
	return Status{Version: "9.9.9", Healthy: true, SelfTest: SelfTest{OK: true, Outcome: "good"}}
}
func (p *recordingPlane) Enrichments() []EnrichmentStatus { return nil }
func (p *recordingPlane) Registries() []Registry          { return nil }
