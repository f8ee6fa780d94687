package webtest

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/internal/users"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web"
	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/controlplane"
	"github.com/plowbox/plowbox/web/explorer"
	"github.com/plowbox/plowbox/web/igluapi"
)

// Passwords of the secured router's users; set directly, so the password policy does not
// apply. StrongPassword passes it.
const (
	AdminPassword  = "admin-password"
	ViewerPassword = "viewer-password"
	StrongPassword = "Tr0ub4dor&3-horse-staple-42"
)

// Credentials of the secured router's users, for Req.Basic.
var (
	AsAdmin  = [2]string{"root", AdminPassword}
	AsViewer = [2]string{"vera", ViewerPassword}
)

// Secured is plowbox's whole router under --auth basic, on a real store, with an admin
// "root" and a viewer "vera", a collector whose sink records the payloads, a recording
// control plane and a settable clock for the password throttle.
type Secured struct {
	Router *web.Router
	Store  *store.Store
	Auth   *auth.Auth
	Plane  *RecordingPlane
	Clock  *Clock

	mu       sync.Mutex
	payloads []*collector.Payload
}

// Clock is a settable clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now reads the clock.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// NewSecured builds the secured router.
func NewSecured(t testing.TB) *Secured {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	us := users.NewUsers(st)
	if err := us.Add("root", AdminPassword, users.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := us.Add("vera", ViewerPassword, users.RoleViewer); err != nil {
		t.Fatal(err)
	}
	f := &Secured{Store: st, Plane: &RecordingPlane{}, Clock: &Clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}}
	f.Auth = auth.NewAuth(us, log)
	f.Auth.SetClock(f.Clock.Now)
	sink := collector.SinkFunc(func(_ context.Context, p *collector.Payload) error {
		f.mu.Lock()
		f.payloads = append(f.payloads, p)
		f.mu.Unlock()
		return nil
	})
	r := iglu.NewResolver(iglu.Options{CacheSize: 10, Logger: log})
	f.Router = web.New(web.Config{
		Collector: collector.New(collector.DefaultConfig(), sink, log),
		Store:     st, Auth: f.Auth, MicroAPI: 4, Logger: log,
		Iglu:    &igluapi.Options{Registry: st, Resolver: r, Validator: iglu.NewValidator(r, log), SuperKey: "3c1d2a4e-8f7b-4c6d-9e0f-1a2b3c4d5e6f", Version: "test"},
		Control: &controlplane.Options{Plane: f.Plane, Users: us, Version: "9.9.9", ReachTimeout: time.Second},
		Metrics: prometheus.NewRegistry(),
		UI:      &explorer.Options{Store: st, Version: "test", Session: auth.SessionInfo, Logger: log},
	})
	return f
}

// Payloads returns the payloads the collector has stored so far.
func (f *Secured) Payloads() []*collector.Payload {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*collector.Payload(nil), f.payloads...)
}

// Req is one request to the secured router.
type Req struct {
	Method, Path, Body string
	ContentType        string
	Header             map[string]string
	Basic              [2]string // user, password
	Bearer             string
	Cookie             string // login cookie value
	Remote             string // client address, default 192.0.2.1:1234
}

// Do serves r in-process and returns the recorded answer.
func (f *Secured) Do(t testing.TB, r Req) *httptest.ResponseRecorder {
	t.Helper()
	return Do(t, f.Router, r)
}

// Do serves r in-process with h and returns the recorded answer.
func Do(t testing.TB, h http.Handler, r Req) *httptest.ResponseRecorder {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	hr := httptest.NewRequestWithContext(ctx, cmp.Or(r.Method, http.MethodGet), r.Path, strings.NewReader(r.Body))
	hr.RemoteAddr = cmp.Or(r.Remote, "192.0.2.1:1234")
	if r.ContentType != "" {
		hr.Header.Set("Content-Type", r.ContentType)
	}
	for k, v := range r.Header {
		hr.Header.Set(k, v)
	}
	if r.Basic[0] != "" {
		hr.SetBasicAuth(r.Basic[0], r.Basic[1])
	}
	if r.Bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+r.Bearer)
	}
	if r.Cookie != "" {
		hr.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: r.Cookie})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, hr)
	return w
}

// Login signs user in through the form and returns the cookie value and CSRF token.
func (f *Secured) Login(t testing.TB, user, password string) (cookie, csrf string) {
	t.Helper()
	w := f.Do(t, Req{Method: http.MethodPost, Path: auth.LoginPath, ContentType: "application/x-www-form-urlencoded",
		Body: url.Values{"user": {user}, "password": {password}, "next": {"/micro/all"}}.Encode()})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == auth.SessionCookie {
			cookie = c.Value
		}
	}
	me := f.Do(t, Req{Path: "/plowbox/api/me", Cookie: cookie})
	_, after, _ := strings.Cut(me.Body.String(), `"csrf":"`)
	csrf, _, _ = strings.Cut(after, `"`)
	if cookie == "" || csrf == "" {
		t.Fatalf("login gave cookie %q, /plowbox/api/me %s", cookie, me.Body)
	}
	return cookie, csrf
}

// RecordingPlane is a controlplane.Plane that records the calls it gets, for the tests
// of the HTTP side of the verbs; cmd/plowbox tests the real one end to end.
type RecordingPlane struct {
	mu    sync.Mutex
	calls []string
	fail  error // returned by every call when set
}

// Record notes call as if the plane had got it (tests mark a point in the calls).
func (p *RecordingPlane) Record(call string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, call)
	return p.fail
}

// SetFail makes every further call return err.
func (p *RecordingPlane) SetFail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = err
}

// Calls lists the calls so far.
func (p *RecordingPlane) Calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.calls...)
}

// Last is the latest call, "" before the first.
func (p *RecordingPlane) Last() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) == 0 {
		return ""
	}
	return p.calls[len(p.calls)-1]
}

// Reload implements controlplane.Plane.
func (p *RecordingPlane) Reload(context.Context) error { return p.Record("reload") }

// ReloadService implements controlplane.Plane.
func (p *RecordingPlane) ReloadService(_ context.Context, s string) error {
	return p.Record("reload " + s)
}

// Reset implements controlplane.Plane.
func (p *RecordingPlane) Reset(context.Context) error { return p.Record("reset") }

// PutEnrichment implements controlplane.Plane.
func (p *RecordingPlane) PutEnrichment(_ context.Context, name string, body []byte) error {
	return p.Record("enrichment " + name + " " + string(body))
}

// AddRegistry implements controlplane.Plane.
func (p *RecordingPlane) AddRegistry(_ context.Context, r controlplane.Registry) error {
	return p.Record("registry " + r.Name + " " + r.URI + " " + r.APIKey + " " + strings.Join(r.VendorPrefixes, ",") + " " + strconv.Itoa(r.Priority))
}

// SetSuperKey implements controlplane.Plane.
func (p *RecordingPlane) SetSuperKey(_ context.Context, k string) error {
	return p.Record("superkey " + k)
}

// FlushIgluCache implements controlplane.Plane.
func (p *RecordingPlane) FlushIgluCache() { p.Record("flush") }

// Status implements controlplane.Plane.
func (p *RecordingPlane) Status(context.Context) controlplane.Status {
	p.Record("status")
	return controlplane.Status{Version: "9.9.9", Healthy: true, SelfTest: controlplane.SelfTest{OK: true, Outcome: "good"}}
}

// Enrichments implements controlplane.Plane.
func (p *RecordingPlane) Enrichments() []controlplane.EnrichmentStatus { return nil }

// Registries implements controlplane.Plane.
func (p *RecordingPlane) Registries() []controlplane.Registry { return nil }
