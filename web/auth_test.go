package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/store"
)

// Public paths, listed here independently of the policy: the login form and its
// action, sign-out, the registry's health checks and the explorer's static assets.
var testPublic = regexp.MustCompile(`^(/plowbox/log(in|out)|(/iglu-server)?/api/meta/health(/db)?|/micro/ui/static/.*)$`)

// Admin routes, listed here independently of the policy.
var testAdmin = regexp.MustCompile(`^(/control-plane/|/plowbox/debug/|/plowbox/api/users|/plowbox/api/replay|/micro/ui/admin|/micro/reset$)`)

// testIgluWrite matches the registry's writes, which need an admin when done by a user.
func testIgluWrite(method, path string) bool {
	p := strings.TrimPrefix(path, "/iglu-server")
	if !strings.HasPrefix(p, "/api/") {
		return false
	}
	return method == http.MethodPut || method == http.MethodDelete ||
		(method == http.MethodPost && p == "/api/schemas") || strings.HasPrefix(p, "/api/auth/")
}

// concrete fills a route pattern's parameters.
func concrete(pattern string) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, ":"):
			parts[i] = "x"
		case strings.HasPrefix(p, "*"):
			parts[i] = "x"
		}
	}
	return strings.Join(parts, "/")
}

// Every route the router registers, but the public ones, answers 401 without
// credentials; viewers get 403 exactly on the admin routes; admins get through.
func TestRouteAccess(t *testing.T) {
	f := newAuthFixture(t)
	routes := f.engine.Routes()
	if len(routes) < 40 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	checked := 0
	for _, rt := range routes {
		if rt.Method == http.MethodOptions || rt.Method == http.MethodConnect || rt.Method == http.MethodTrace {
			continue
		}
		path := concrete(rt.Path)
		if testPublic.MatchString(path) {
			continue
		}
		checked++
		admin := testAdmin.MatchString(path) || testIgluWrite(rt.Method, path)
		name := rt.Method + " " + rt.Path
		t.Run(name, func(t *testing.T) {
			w := f.do(t, req{method: rt.Method, path: path, header: map[string]string{"Accept": "application/json"}})
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("without credentials: %d %s", w.Code, w.Body)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != `Basic realm="plowbox", charset="UTF-8"` {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if strings.Contains(path, "pprof") || strings.Contains(path, "stream") || strings.Contains(path, "live") {
				return // the handlers would run for long; the 401 and the policy are what matter
			}
			w = f.do(t, req{method: rt.Method, path: path, basic: asViewer})
			switch {
			case admin && w.Code != http.StatusForbidden:
				t.Errorf("viewer on an admin route: %d %s", w.Code, w.Body)
			case !admin && (w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized):
				t.Errorf("viewer on a read route: %d %s", w.Code, w.Body)
			}
			if rt.Path == "/micro/reset" {
				return
			}
			w = f.do(t, req{method: rt.Method, path: path, basic: asAdmin})
			if w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized {
				t.Errorf("admin: %d %s", w.Code, w.Body)
			}
		})
	}
	if checked < 30 {
		t.Errorf("only %d protected routes checked", checked)
	}
}

// Browsers asking for a page are sent to the login form; the form signs in with a
// cookie that works everywhere, and signing out (with the CSRF token) ends it.
func TestLoginLogout(t *testing.T) {
	f := newAuthFixture(t)
	w := f.do(t, req{path: "/micro/ui/events?x=1", header: map[string]string{"Accept": "text/html,application/xhtml+xml"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/plowbox/login?next=%2Fmicro%2Fui%2Fevents%3Fx%3D1" {
		t.Fatalf("page without a session: %d Location %q", w.Code, w.Header().Get("Location"))
	}
	w = f.do(t, req{path: "/plowbox/login?next=%2Fmicro%2Fui%2Fevents"})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="next" value="/micro/ui/events"`) {
		t.Fatalf("login form: %d %s", w.Code, w.Body)
	}

	form := func(user, password, next string) string {
		return url.Values{"user": {user}, "password": {password}, "next": {next}}.Encode()
	}
	const ct = "application/x-www-form-urlencoded"
	w = f.do(t, req{method: http.MethodPost, path: LoginPath, contentType: ct, body: form("root", "nope", "/")})
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "Wrong user name or password") {
		t.Errorf("wrong password: %d %s", w.Code, w.Body)
	}
	w = f.do(t, req{method: http.MethodPost, path: LoginPath, contentType: ct, body: form("root", adminPassword, "//evil.example/")})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/micro/ui/" {
		t.Errorf("open redirect: %d %q", w.Code, w.Header().Get("Location"))
	}
	setCookie := w.Header().Get("Set-Cookie")
	for _, attr := range []string{SessionCookie + "=", "Path=/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(setCookie, attr) {
			t.Errorf("Set-Cookie %q lacks %s", setCookie, attr)
		}
	}
	if strings.Contains(setCookie, "Secure") {
		t.Errorf("Secure cookie over plain HTTP: %q", setCookie)
	}
	w = f.do(t, req{method: http.MethodPost, path: LoginPath, contentType: ct, body: form("root", adminPassword, "/"),
		header: map[string]string{"X-Forwarded-Proto": "https"}})
	if !strings.Contains(w.Header().Get("Set-Cookie"), "Secure") {
		t.Errorf("no Secure cookie over HTTPS: %q", w.Header().Get("Set-Cookie"))
	}
	w = f.do(t, req{method: http.MethodPost, path: LoginPath, contentType: ct, body: form("root", adminPassword, "/"),
		header: map[string]string{"Origin": "https://evil.example"}})
	if w.Code != http.StatusForbidden {
		t.Errorf("cross-site login: %d", w.Code)
	}

	cookie, csrf := f.login(t, "vera", viewerPassword)
	if w := f.do(t, req{path: "/micro/all", cookie: cookie}); w.Code != http.StatusOK {
		t.Errorf("cookie on /micro/all: %d", w.Code)
	}
	if w := f.do(t, req{path: "/control-plane/version", cookie: cookie}); w.Code != http.StatusForbidden {
		t.Errorf("viewer cookie on the control plane: %d", w.Code)
	}
	if w := f.do(t, req{method: http.MethodPost, path: LogoutPath, cookie: cookie}); w.Code != http.StatusForbidden {
		t.Errorf("logout without the CSRF token: %d", w.Code)
	}
	w = f.do(t, req{method: http.MethodPost, path: LogoutPath, cookie: cookie, contentType: ct, body: "csrf=" + csrf})
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout: %d %q", w.Code, w.Header().Get("Set-Cookie"))
	}
	if w := f.do(t, req{path: "/micro/all", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Errorf("cookie after logout: %d", w.Code)
	}
	if w := f.do(t, req{path: "/micro/all", cookie: "forged"}); w.Code != http.StatusUnauthorized {
		t.Errorf("forged cookie: %d", w.Code)
	}
}

// A cookie-authenticated write needs the session's CSRF token; cross-site writes are
// refused whatever the credentials.
func TestCSRF(t *testing.T) {
	f := newAuthFixture(t)
	cookie, csrf := f.login(t, "root", adminPassword)
	cases := []struct {
		name   string
		r      req
		status int
	}{
		{"cookie without token", req{method: http.MethodPost, path: "/control-plane/iglu-cache/flush", cookie: cookie}, http.StatusForbidden},
		{"cookie with wrong token", req{method: http.MethodPost, path: "/control-plane/iglu-cache/flush", cookie: cookie, header: map[string]string{CSRFHeader: "x" + csrf}}, http.StatusForbidden},
		{"cookie with header token", req{method: http.MethodPost, path: "/control-plane/iglu-cache/flush", cookie: cookie, header: map[string]string{CSRFHeader: csrf}}, http.StatusOK},
		{"cookie with form token", req{method: http.MethodPost, path: "/control-plane/iglu-cache/flush", cookie: cookie, contentType: "application/x-www-form-urlencoded", body: "csrf=" + csrf}, http.StatusOK},
		{"cookie GET needs none", req{path: "/control-plane/version", cookie: cookie}, http.StatusOK},
		{"basic from another origin", req{method: http.MethodPost, path: "/control-plane/iglu-cache/flush", basic: asAdmin, header: map[string]string{"Origin": "https://evil.example"}}, http.StatusForbidden},
		{"basic cross-site fetch", req{method: http.MethodPost, path: "/control-plane/iglu-cache/flush", basic: asAdmin, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, http.StatusForbidden},
		{"token from another origin", req{method: http.MethodPost, path: "/plowbox/api/tokens", basic: asViewer, header: map[string]string{"Referer": "https://evil.example/page"}}, http.StatusForbidden},
		{"basic same origin", req{method: http.MethodPost, path: "/control-plane/iglu-cache/flush", basic: asAdmin, header: map[string]string{"Origin": "http://example.com"}}, http.StatusOK},
		{"script without Origin", req{method: http.MethodPost, path: "/control-plane/iglu-cache/flush", basic: asAdmin}, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if w := f.do(t, tc.r); w.Code != tc.status {
				t.Errorf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
		})
	}
}

// API tokens: created once, usable as Bearer, listed without their secret, revocable.
func TestTokens(t *testing.T) {
	f := newAuthFixture(t)
	w := f.do(t, req{method: http.MethodPost, path: "/plowbox/api/tokens", basic: asViewer, contentType: "application/json", body: `{"label":"ci"}`})
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	secret := regexp.MustCompile(`"token":"(pbx_[A-Za-z0-9_-]+)"`).FindStringSubmatch(w.Body.String())
	id := regexp.MustCompile(`"id":"([0-9a-f]+)"`).FindStringSubmatch(w.Body.String())
	if secret == nil || id == nil {
		t.Fatalf("create answered %s", w.Body)
	}
	if w := f.do(t, req{path: "/micro/all", bearer: secret[1]}); w.Code != http.StatusOK {
		t.Errorf("bearer: %d %s", w.Code, w.Body)
	}
	if w := f.do(t, req{path: "/control-plane/version", bearer: secret[1]}); w.Code != http.StatusForbidden {
		t.Errorf("viewer token on the control plane: %d", w.Code)
	}
	list := f.do(t, req{path: "/plowbox/api/tokens", basic: asViewer})
	if !strings.Contains(list.Body.String(), id[1]) || strings.Contains(list.Body.String(), secret[1]) {
		t.Errorf("list: %s", list.Body)
	}
	err := f.st.ViewSettings(func(tx store.SettingsTx) error {
		return tx.List("", func(k string, v []byte) error {
			if strings.Contains(k+string(v), secret[1]) || strings.Contains(k+string(v), strings.TrimPrefix(secret[1], TokenPrefix)) {
				t.Errorf("the token secret is stored: %s", k)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if w := f.do(t, req{path: "/plowbox/api/tokens?all=true", basic: asViewer}); w.Code != http.StatusForbidden {
		t.Errorf("viewer listing every token: %d", w.Code)
	}
	admin := f.do(t, req{method: http.MethodPost, path: "/plowbox/api/tokens", basic: asAdmin, contentType: "application/x-www-form-urlencoded", body: "label=deploy"})
	adminSecret := regexp.MustCompile(`pbx_[A-Za-z0-9_-]+`).FindString(admin.Body.String())
	if w := f.do(t, req{path: "/control-plane/version", bearer: adminSecret}); w.Code != http.StatusOK || w.Body.String() != "9.9.9" {
		t.Errorf("admin token on the control plane: %d %s", w.Code, w.Body)
	}
	adminID := regexp.MustCompile(`"id":"([0-9a-f]+)"`).FindStringSubmatch(admin.Body.String())[1]
	if w := f.do(t, req{method: http.MethodDelete, path: "/plowbox/api/tokens/" + adminID, basic: asViewer}); w.Code != http.StatusNotFound {
		t.Errorf("viewer revoking an admin's token: %d", w.Code)
	}
	if w := f.do(t, req{method: http.MethodDelete, path: "/plowbox/api/tokens/" + id[1], basic: asViewer}); w.Code != http.StatusOK {
		t.Errorf("revoke: %d %s", w.Code, w.Body)
	}
	w = f.do(t, req{path: "/micro/all", bearer: secret[1]})
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "revoked") {
		t.Errorf("revoked token: %d %s", w.Code, w.Body)
	}
	for _, bad := range []string{"pbx_nope", "nope", ""} {
		if w := f.do(t, req{path: "/micro/all", header: map[string]string{"Authorization": "Bearer " + bad}}); w.Code != http.StatusUnauthorized {
			t.Errorf("token %q: %d", bad, w.Code)
		}
	}
}

// Failed passwords are throttled per user and address: 429 with Retry-After, even for
// the right password, until the lockout has passed; other addresses are not affected.
func TestThrottle(t *testing.T) {
	f := newAuthFixture(t)
	wrong := [2]string{"root", "wrong"}
	for i := range freeAttempts {
		if w := f.do(t, req{path: "/micro/all", basic: wrong}); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	w := f.do(t, req{path: "/micro/all", basic: asAdmin})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("locked out: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := f.do(t, req{path: "/micro/all", basic: asAdmin, remote: "198.51.100.7:999"}); w.Code != http.StatusOK {
		t.Errorf("another address: %d", w.Code)
	}
	if w := f.do(t, req{path: "/micro/all", basic: asViewer}); w.Code != http.StatusOK {
		t.Errorf("another user: %d", w.Code)
	}
	f.clock.add(2 * time.Second)
	if w := f.do(t, req{path: "/micro/all", basic: wrong}); w.Code != http.StatusUnauthorized {
		t.Fatalf("after the lockout: %d", w.Code)
	}
	w = f.do(t, req{path: "/micro/all", basic: asAdmin})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "3" {
		t.Errorf("second lockout doubles: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	f.clock.add(3 * time.Second)
	if w := f.do(t, req{path: "/micro/all", basic: asAdmin}); w.Code != http.StatusOK {
		t.Errorf("right password after the lockout: %d", w.Code)
	}
	if w := f.do(t, req{path: "/micro/all", basic: wrong}); w.Code != http.StatusUnauthorized {
		t.Errorf("a success clears the count: %d", w.Code)
	}
	// The login form is throttled alike.
	for range freeAttempts {
		f.do(t, req{method: http.MethodPost, path: LoginPath, contentType: "application/x-www-form-urlencoded", body: "user=vera&password=x", remote: "203.0.113.9:1"})
	}
	w = f.do(t, req{method: http.MethodPost, path: LoginPath, contentType: "application/x-www-form-urlencoded", body: "user=vera&password=" + viewerPassword, remote: "203.0.113.9:1"})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "Too many failed sign-ins") {
		t.Errorf("login form locked out: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
}

// plowbox's own Authorization header and login cookie never reach the collector's
// payloads; the tracker's cookies do, unchanged.
func TestCredentialsNotStored(t *testing.T) {
	f := newAuthFixture(t)
	cookie, _ := f.login(t, "root", adminPassword)
	for _, r := range []req{
		{path: "/i?e=pv", basic: asAdmin, header: map[string]string{"Cookie": "sp=abc-123; " + SessionCookie + "=" + cookie + "; other=1"}},
		{path: "/i?e=pv", bearer: "pbx_secret", header: map[string]string{"Cookie": SessionCookie + "=" + cookie}},
		{path: "/i?e=pv", header: map[string]string{"Cookie": "sp=abc-123;other=1"}},
	} {
		f.do(t, r)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.payloads) != 3 {
		t.Fatalf("%d payloads", len(f.payloads))
	}
	want := [][]string{{"Cookie: sp=abc-123;other=1"}, nil, {"Cookie: sp=abc-123;other=1"}} // the collector joins cookies with ";"
	for i, p := range f.payloads {
		all := strings.Join(p.Headers, "\n")
		if strings.Contains(all, "Authorization") || strings.Contains(all, SessionCookie) || strings.Contains(all, cookie) {
			t.Errorf("payload %d keeps plowbox's credentials: %q", i, p.Headers)
		}
		for _, h := range want[i] {
			if !strings.Contains(all, h) {
				t.Errorf("payload %d lost %q: %q", i, h, p.Headers)
			}
		}
	}
}

// The users API: admins manage users under the password policy; the last admin stays.
func TestUsersAPI(t *testing.T) {
	f := newAuthFixture(t)
	const js = "application/json"
	cases := []struct {
		name        string
		r           req
		status      int
		contains    string
		thenAllowed [2]string // credentials that must work afterwards
	}{
		{"viewer cannot add", req{method: http.MethodPost, path: "/plowbox/api/users", basic: asViewer, contentType: js, body: `{"name":"x","password":"` + strongPassword + `","role":"admin"}`}, 403, "admin role", [2]string{}},
		{"weak password", req{method: http.MethodPost, path: "/plowbox/api/users", basic: asAdmin, contentType: js, body: `{"name":"sam","password":"password1","role":"viewer"}`}, 400, "weak password: strength score is", [2]string{}},
		{"short password", req{method: http.MethodPost, path: "/plowbox/api/users", basic: asAdmin, contentType: js, body: `{"name":"sam","password":"a1!","role":"viewer"}`}, 400, "weak password: length can not be shorter than 8 characters", [2]string{}},
		{"bad role", req{method: http.MethodPost, path: "/plowbox/api/users", basic: asAdmin, contentType: js, body: `{"name":"sam","password":"` + strongPassword + `","role":"owner"}`}, 400, "want admin or viewer", [2]string{}},
		{"bad name", req{method: http.MethodPost, path: "/plowbox/api/users", basic: asAdmin, contentType: js, body: `{"name":"a/b","password":"` + strongPassword + `"}`}, 400, "user name must be", [2]string{}},
		{"not JSON", req{method: http.MethodPost, path: "/plowbox/api/users", basic: asAdmin, contentType: js, body: `{`}, 400, "not a JSON object", [2]string{}},
		{"add", req{method: http.MethodPost, path: "/plowbox/api/users", basic: asAdmin, contentType: js, body: `{"name":"sam","password":"` + strongPassword + `","role":"viewer"}`}, 201, `"role":"viewer"`, [2]string{"sam", strongPassword}},
		{"add twice", req{method: http.MethodPost, path: "/plowbox/api/users", basic: asAdmin, contentType: "application/x-www-form-urlencoded", body: "name=sam&password=" + url.QueryEscape(strongPassword)}, 409, "already exists", [2]string{}},
		{"promote", req{method: http.MethodPut, path: "/plowbox/api/users/sam", basic: asAdmin, contentType: js, body: `{"role":"admin"}`}, 200, "updated", [2]string{}},
		{"update nobody", req{method: http.MethodPut, path: "/plowbox/api/users/nobody", basic: asAdmin, contentType: js, body: `{"role":"admin"}`}, 404, "no such user", [2]string{}},
		{"update nothing", req{method: http.MethodPut, path: "/plowbox/api/users/sam", basic: asAdmin, contentType: js, body: `{}`}, 400, "give a new password", [2]string{}},
		{"delete root", req{method: http.MethodDelete, path: "/plowbox/api/users/root", basic: asAdmin}, 200, "deleted", [2]string{}},
		{"delete last admin", req{method: http.MethodDelete, path: "/plowbox/api/users/sam", basic: [2]string{"sam", strongPassword}}, 409, "last admin", [2]string{"sam", strongPassword}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do(t, tc.r)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.contains) {
				t.Errorf("%d %s, want %d with %q", w.Code, w.Body, tc.status, tc.contains)
			}
			if tc.thenAllowed[0] != "" {
				if w := f.do(t, req{path: "/micro/all", basic: tc.thenAllowed}); w.Code != http.StatusOK {
					t.Errorf("%s afterwards: %d", tc.thenAllowed[0], w.Code)
				}
			}
		})
	}
	if w := f.do(t, req{path: "/micro/all", basic: asAdmin}); w.Code != http.StatusUnauthorized {
		t.Errorf("deleted user still signs in: %d", w.Code)
	}
}

// The cost of authenticating a request, per credential kind (bcrypt runs once per
// password, then a digest is remembered).
func BenchmarkAuthenticate(b *testing.B) {
	f := newAuthFixture(b)
	secret, _, err := f.auth.users.CreateToken("vera", "bench")
	if err != nil {
		b.Fatal(err)
	}
	cookie, _ := f.login(b, "vera", viewerPassword)
	for _, bc := range []struct {
		name string
		r    req
	}{
		{"basic", req{path: "/plowbox/api/me", basic: asViewer}},
		{"bearer", req{path: "/plowbox/api/me", bearer: secret}},
		{"cookie", req{path: "/plowbox/api/me", cookie: cookie}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if w := f.do(b, bc.r); w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
