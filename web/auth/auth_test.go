package auth_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/internal/users"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/webtest"
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
	f := webtest.NewSecured(t)
	routes := f.Router.Routes()
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
			w := f.Do(t, webtest.Req{Method: rt.Method, Path: path, Header: map[string]string{"Accept": "application/json"}})
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("without credentials: %d %s", w.Code, w.Body)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != `Basic realm="plowbox", charset="UTF-8"` {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if strings.Contains(path, "pprof") || strings.Contains(path, "stream") || strings.Contains(path, "live") {
				return // the handlers would run for long; the 401 and the policy are what matter
			}
			w = f.Do(t, webtest.Req{Method: rt.Method, Path: path, Basic: webtest.AsViewer})
			switch {
			case admin && w.Code != http.StatusForbidden:
				t.Errorf("viewer on an admin route: %d %s", w.Code, w.Body)
			case !admin && (w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized):
				t.Errorf("viewer on a read route: %d %s", w.Code, w.Body)
			}
			if rt.Path == "/micro/reset" {
				return
			}
			w = f.Do(t, webtest.Req{Method: rt.Method, Path: path, Basic: webtest.AsAdmin})
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
	f := webtest.NewSecured(t)
	w := f.Do(t, webtest.Req{Path: "/micro/ui/events?x=1", Header: map[string]string{"Accept": "text/html,application/xhtml+xml"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/plowbox/login?next=%2Fmicro%2Fui%2Fevents%3Fx%3D1" {
		t.Fatalf("page without a session: %d Location %q", w.Code, w.Header().Get("Location"))
	}
	w = f.Do(t, webtest.Req{Path: "/plowbox/login?next=%2Fmicro%2Fui%2Fevents"})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="next" value="/micro/ui/events"`) {
		t.Fatalf("login form: %d %s", w.Code, w.Body)
	}

	form := func(user, password, next string) string {
		return url.Values{"user": {user}, "password": {password}, "next": {next}}.Encode()
	}
	const ct = "application/x-www-form-urlencoded"
	w = f.Do(t, webtest.Req{Method: http.MethodPost, Path: auth.LoginPath, ContentType: ct, Body: form("root", "nope", "/")})
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "Wrong user name or password") {
		t.Errorf("wrong password: %d %s", w.Code, w.Body)
	}
	w = f.Do(t, webtest.Req{Method: http.MethodPost, Path: auth.LoginPath, ContentType: ct, Body: form("root", webtest.AdminPassword, "//evil.example/")})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/micro/ui/" {
		t.Errorf("open redirect: %d %q", w.Code, w.Header().Get("Location"))
	}
	setCookie := w.Header().Get("Set-Cookie")
	for _, attr := range []string{auth.SessionCookie + "=", "Path=/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(setCookie, attr) {
			t.Errorf("Set-Cookie %q lacks %s", setCookie, attr)
		}
	}
	if strings.Contains(setCookie, "Secure") {
		t.Errorf("Secure cookie over plain HTTP: %q", setCookie)
	}
	w = f.Do(t, webtest.Req{Method: http.MethodPost, Path: auth.LoginPath, ContentType: ct, Body: form("root", webtest.AdminPassword, "/"),
		Header: map[string]string{"X-Forwarded-Proto": "https"}})
	if !strings.Contains(w.Header().Get("Set-Cookie"), "Secure") {
		t.Errorf("no Secure cookie over HTTPS: %q", w.Header().Get("Set-Cookie"))
	}
	w = f.Do(t, webtest.Req{Method: http.MethodPost, Path: auth.LoginPath, ContentType: ct, Body: form("root", webtest.AdminPassword, "/"),
		Header: map[string]string{"Origin": "https://evil.example"}})
	if w.Code != http.StatusForbidden {
		t.Errorf("cross-site login: %d", w.Code)
	}

	cookie, csrf := f.Login(t, "vera", webtest.ViewerPassword)
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Cookie: cookie}); w.Code != http.StatusOK {
		t.Errorf("cookie on /micro/all: %d", w.Code)
	}
	if w := f.Do(t, webtest.Req{Path: "/control-plane/version", Cookie: cookie}); w.Code != http.StatusForbidden {
		t.Errorf("viewer cookie on the control plane: %d", w.Code)
	}
	if w := f.Do(t, webtest.Req{Method: http.MethodPost, Path: auth.LogoutPath, Cookie: cookie}); w.Code != http.StatusForbidden {
		t.Errorf("logout without the CSRF token: %d", w.Code)
	}
	w = f.Do(t, webtest.Req{Method: http.MethodPost, Path: auth.LogoutPath, Cookie: cookie, ContentType: ct, Body: "csrf=" + csrf})
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout: %d %q", w.Code, w.Header().Get("Set-Cookie"))
	}
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Errorf("cookie after logout: %d", w.Code)
	}
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Cookie: "forged"}); w.Code != http.StatusUnauthorized {
		t.Errorf("forged cookie: %d", w.Code)
	}
}

// A cookie-authenticated write needs the session's CSRF token; cross-site writes are
// refused whatever the credentials.
func TestCSRF(t *testing.T) {
	f := webtest.NewSecured(t)
	cookie, csrf := f.Login(t, "root", webtest.AdminPassword)
	cases := []struct {
		name   string
		r      webtest.Req
		status int
	}{
		{"cookie without token", webtest.Req{Method: http.MethodPost, Path: "/control-plane/iglu-cache/flush", Cookie: cookie}, http.StatusForbidden},
		{"cookie with wrong token", webtest.Req{Method: http.MethodPost, Path: "/control-plane/iglu-cache/flush", Cookie: cookie, Header: map[string]string{auth.CSRFHeader: "x" + csrf}}, http.StatusForbidden},
		{"cookie with header token", webtest.Req{Method: http.MethodPost, Path: "/control-plane/iglu-cache/flush", Cookie: cookie, Header: map[string]string{auth.CSRFHeader: csrf}}, http.StatusOK},
		{"cookie with form token", webtest.Req{Method: http.MethodPost, Path: "/control-plane/iglu-cache/flush", Cookie: cookie, ContentType: "application/x-www-form-urlencoded", Body: "csrf=" + csrf}, http.StatusOK},
		{"cookie GET needs none", webtest.Req{Path: "/control-plane/version", Cookie: cookie}, http.StatusOK},
		{"basic from another origin", webtest.Req{Method: http.MethodPost, Path: "/control-plane/iglu-cache/flush", Basic: webtest.AsAdmin, Header: map[string]string{"Origin": "https://evil.example"}}, http.StatusForbidden},
		{"basic cross-site fetch", webtest.Req{Method: http.MethodPost, Path: "/control-plane/iglu-cache/flush", Basic: webtest.AsAdmin, Header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, http.StatusForbidden},
		{"token from another origin", webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/tokens", Basic: webtest.AsViewer, Header: map[string]string{"Referer": "https://evil.example/page"}}, http.StatusForbidden},
		{"basic same origin", webtest.Req{Method: http.MethodPost, Path: "/control-plane/iglu-cache/flush", Basic: webtest.AsAdmin, Header: map[string]string{"Origin": "http://example.com"}}, http.StatusOK},
		{"script without Origin", webtest.Req{Method: http.MethodPost, Path: "/control-plane/iglu-cache/flush", Basic: webtest.AsAdmin}, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if w := f.Do(t, tc.r); w.Code != tc.status {
				t.Errorf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
		})
	}
}

// API tokens: created once, usable as Bearer, listed without their secret, revocable.
func TestTokens(t *testing.T) {
	f := webtest.NewSecured(t)
	w := f.Do(t, webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/tokens", Basic: webtest.AsViewer, ContentType: "application/json", Body: `{"label":"ci"}`})
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	secret := regexp.MustCompile(`"token":"(pbx_[A-Za-z0-9_-]+)"`).FindStringSubmatch(w.Body.String())
	id := regexp.MustCompile(`"id":"([0-9a-f]+)"`).FindStringSubmatch(w.Body.String())
	if secret == nil || id == nil {
		t.Fatalf("create answered %s", w.Body)
	}
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Bearer: secret[1]}); w.Code != http.StatusOK {
		t.Errorf("bearer: %d %s", w.Code, w.Body)
	}
	if w := f.Do(t, webtest.Req{Path: "/control-plane/version", Bearer: secret[1]}); w.Code != http.StatusForbidden {
		t.Errorf("viewer token on the control plane: %d", w.Code)
	}
	list := f.Do(t, webtest.Req{Path: "/plowbox/api/tokens", Basic: webtest.AsViewer})
	if !strings.Contains(list.Body.String(), id[1]) || strings.Contains(list.Body.String(), secret[1]) {
		t.Errorf("list: %s", list.Body)
	}
	err := f.Store.ViewSettings(func(tx store.SettingsTx) error {
		return tx.List("", func(k string, v []byte) error {
			if strings.Contains(k+string(v), secret[1]) || strings.Contains(k+string(v), strings.TrimPrefix(secret[1], users.TokenPrefix)) {
				t.Errorf("the token secret is stored: %s", k)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if w := f.Do(t, webtest.Req{Path: "/plowbox/api/tokens?all=true", Basic: webtest.AsViewer}); w.Code != http.StatusForbidden {
		t.Errorf("viewer listing every token: %d", w.Code)
	}
	admin := f.Do(t, webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/tokens", Basic: webtest.AsAdmin, ContentType: "application/x-www-form-urlencoded", Body: "label=deploy"})
	adminSecret := regexp.MustCompile(`pbx_[A-Za-z0-9_-]+`).FindString(admin.Body.String())
	if w := f.Do(t, webtest.Req{Path: "/control-plane/version", Bearer: adminSecret}); w.Code != http.StatusOK || w.Body.String() != "9.9.9" {
		t.Errorf("admin token on the control plane: %d %s", w.Code, w.Body)
	}
	adminID := regexp.MustCompile(`"id":"([0-9a-f]+)"`).FindStringSubmatch(admin.Body.String())[1]
	if w := f.Do(t, webtest.Req{Method: http.MethodDelete, Path: "/plowbox/api/tokens/" + adminID, Basic: webtest.AsViewer}); w.Code != http.StatusNotFound {
		t.Errorf("viewer revoking an admin's token: %d", w.Code)
	}
	if w := f.Do(t, webtest.Req{Method: http.MethodDelete, Path: "/plowbox/api/tokens/" + id[1], Basic: webtest.AsViewer}); w.Code != http.StatusOK {
		t.Errorf("revoke: %d %s", w.Code, w.Body)
	}
	w = f.Do(t, webtest.Req{Path: "/micro/all", Bearer: secret[1]})
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "revoked") {
		t.Errorf("revoked token: %d %s", w.Code, w.Body)
	}
	for _, bad := range []string{"pbx_nope", "nope", ""} {
		if w := f.Do(t, webtest.Req{Path: "/micro/all", Header: map[string]string{"Authorization": "Bearer " + bad}}); w.Code != http.StatusUnauthorized {
			t.Errorf("token %q: %d", bad, w.Code)
		}
	}
}

// freeAttempts is how many wrong passwords pass unthrottled: "after 5 failures each
// further one locks that pair out for twice as long".
const freeAttempts = 5

// Failed passwords are throttled per user and address: 429 with Retry-After, even for
// the right password, until the lockout has passed; other addresses are not affected.
func TestThrottle(t *testing.T) {
	f := webtest.NewSecured(t)
	wrong := [2]string{"root", "wrong"}
	for i := range freeAttempts {
		if w := f.Do(t, webtest.Req{Path: "/micro/all", Basic: wrong}); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	w := f.Do(t, webtest.Req{Path: "/micro/all", Basic: webtest.AsAdmin})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("locked out: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Basic: webtest.AsAdmin, Remote: "198.51.100.7:999"}); w.Code != http.StatusOK {
		t.Errorf("another address: %d", w.Code)
	}
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Basic: webtest.AsViewer}); w.Code != http.StatusOK {
		t.Errorf("another user: %d", w.Code)
	}
	f.Clock.Add(2 * time.Second)
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Basic: wrong}); w.Code != http.StatusUnauthorized {
		t.Fatalf("after the lockout: %d", w.Code)
	}
	w = f.Do(t, webtest.Req{Path: "/micro/all", Basic: webtest.AsAdmin})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "3" {
		t.Errorf("second lockout doubles: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	f.Clock.Add(3 * time.Second)
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Basic: webtest.AsAdmin}); w.Code != http.StatusOK {
		t.Errorf("right password after the lockout: %d", w.Code)
	}
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Basic: wrong}); w.Code != http.StatusUnauthorized {
		t.Errorf("a success clears the count: %d", w.Code)
	}
	// The login form is throttled alike.
	for range freeAttempts {
		f.Do(t, webtest.Req{Method: http.MethodPost, Path: auth.LoginPath, ContentType: "application/x-www-form-urlencoded", Body: "user=vera&password=x", Remote: "203.0.113.9:1"})
	}
	w = f.Do(t, webtest.Req{Method: http.MethodPost, Path: auth.LoginPath, ContentType: "application/x-www-form-urlencoded", Body: "user=vera&password=" + webtest.ViewerPassword, Remote: "203.0.113.9:1"})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "Too many failed sign-ins") {
		t.Errorf("login form locked out: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
}

// plowbox's own Authorization header and login cookie never reach the collector's
// payloads; the tracker's cookies do, unchanged.
func TestCredentialsNotStored(t *testing.T) {
	f := webtest.NewSecured(t)
	cookie, _ := f.Login(t, "root", webtest.AdminPassword)
	for _, r := range []webtest.Req{
		{Path: "/i?e=pv", Basic: webtest.AsAdmin, Header: map[string]string{"Cookie": "sp=abc-123; " + auth.SessionCookie + "=" + cookie + "; other=1"}},
		{Path: "/i?e=pv", Bearer: "pbx_secret", Header: map[string]string{"Cookie": auth.SessionCookie + "=" + cookie}},
		{Path: "/i?e=pv", Header: map[string]string{"Cookie": "sp=abc-123;other=1"}},
	} {
		f.Do(t, r)
	}
	payloads := f.Payloads()
	if len(payloads) != 3 {
		t.Fatalf("%d payloads", len(payloads))
	}
	want := [][]string{{"Cookie: sp=abc-123;other=1"}, nil, {"Cookie: sp=abc-123;other=1"}} // the collector joins cookies with ";"
	for i, p := range payloads {
		all := strings.Join(p.Headers, "\n")
		if strings.Contains(all, "Authorization") || strings.Contains(all, auth.SessionCookie) || strings.Contains(all, cookie) {
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
	f := webtest.NewSecured(t)
	const js = "application/json"
	cases := []struct {
		name        string
		r           webtest.Req
		status      int
		contains    string
		thenAllowed [2]string // credentials that must work afterwards
	}{
		{"viewer cannot add", webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/users", Basic: webtest.AsViewer, ContentType: js, Body: `{"name":"x","password":"` + webtest.StrongPassword + `","role":"admin"}`}, 403, "admin role", [2]string{}},
		{"weak password", webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/users", Basic: webtest.AsAdmin, ContentType: js, Body: `{"name":"sam","password":"password1","role":"viewer"}`}, 400, "weak password: strength score is", [2]string{}},
		{"short password", webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/users", Basic: webtest.AsAdmin, ContentType: js, Body: `{"name":"sam","password":"a1!","role":"viewer"}`}, 400, "weak password: length can not be shorter than 8 characters", [2]string{}},
		{"bad role", webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/users", Basic: webtest.AsAdmin, ContentType: js, Body: `{"name":"sam","password":"` + webtest.StrongPassword + `","role":"owner"}`}, 400, "want admin or viewer", [2]string{}},
		{"bad name", webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/users", Basic: webtest.AsAdmin, ContentType: js, Body: `{"name":"a/b","password":"` + webtest.StrongPassword + `"}`}, 400, "user name must be", [2]string{}},
		{"not JSON", webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/users", Basic: webtest.AsAdmin, ContentType: js, Body: `{`}, 400, "not a JSON object", [2]string{}},
		{"add", webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/users", Basic: webtest.AsAdmin, ContentType: js, Body: `{"name":"sam","password":"` + webtest.StrongPassword + `","role":"viewer"}`}, 201, `"role":"viewer"`, [2]string{"sam", webtest.StrongPassword}},
		{"add twice", webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/users", Basic: webtest.AsAdmin, ContentType: "application/x-www-form-urlencoded", Body: "name=sam&password=" + url.QueryEscape(webtest.StrongPassword)}, 409, "already exists", [2]string{}},
		{"promote", webtest.Req{Method: http.MethodPut, Path: "/plowbox/api/users/sam", Basic: webtest.AsAdmin, ContentType: js, Body: `{"role":"admin"}`}, 200, "updated", [2]string{}},
		{"update nobody", webtest.Req{Method: http.MethodPut, Path: "/plowbox/api/users/nobody", Basic: webtest.AsAdmin, ContentType: js, Body: `{"role":"admin"}`}, 404, "no such user", [2]string{}},
		{"update nothing", webtest.Req{Method: http.MethodPut, Path: "/plowbox/api/users/sam", Basic: webtest.AsAdmin, ContentType: js, Body: `{}`}, 400, "give a new password", [2]string{}},
		{"delete root", webtest.Req{Method: http.MethodDelete, Path: "/plowbox/api/users/root", Basic: webtest.AsAdmin}, 200, "deleted", [2]string{}},
		{"delete last admin", webtest.Req{Method: http.MethodDelete, Path: "/plowbox/api/users/sam", Basic: [2]string{"sam", webtest.StrongPassword}}, 409, "last admin", [2]string{"sam", webtest.StrongPassword}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := f.Do(t, tc.r)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.contains) {
				t.Errorf("%d %s, want %d with %q", w.Code, w.Body, tc.status, tc.contains)
			}
			if tc.thenAllowed[0] != "" {
				if w := f.Do(t, webtest.Req{Path: "/micro/all", Basic: tc.thenAllowed}); w.Code != http.StatusOK {
					t.Errorf("%s afterwards: %d", tc.thenAllowed[0], w.Code)
				}
			}
		})
	}
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Basic: webtest.AsAdmin}); w.Code != http.StatusUnauthorized {
		t.Errorf("deleted user still signs in: %d", w.Code)
	}
}

// The cost of authenticating a request, per credential kind (bcrypt runs once per
// password, then a digest is remembered).
func BenchmarkAuthenticate(b *testing.B) {
	f := webtest.NewSecured(b)
	secret, _, err := f.Auth.Users().CreateToken("vera", "bench")
	if err != nil {
		b.Fatal(err)
	}
	cookie, _ := f.Login(b, "vera", webtest.ViewerPassword)
	for _, bc := range []struct {
		name string
		r    webtest.Req
	}{
		{"basic", webtest.Req{Path: "/plowbox/api/me", Basic: webtest.AsViewer}},
		{"bearer", webtest.Req{Path: "/plowbox/api/me", Bearer: secret}},
		{"cookie", webtest.Req{Path: "/plowbox/api/me", Cookie: cookie}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if w := f.Do(b, bc.r); w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
