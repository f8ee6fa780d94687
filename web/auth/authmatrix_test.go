package auth_test

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/webtest"
)

// The auth table over the whole router: every route but the public ones, under every
// method, is denied to a request with no credentials, a wrong user, a wrong password, a
// bad or malformed API token, a forged login cookie or a wrong registry key; and every
// state-changing request (every unsafe method, GET /micro/reset) carrying a real admin
// cookie from another site is refused. (Cross-site reads with the cookie stay allowed:
// links to the explorer open in a signed-in browser, and CORS keeps other sites from
// reading the answer.)
func TestAuthMatrix(t *testing.T) {
	f := webtest.NewSecured(t)
	cookie, csrf := f.Login(t, "root", webtest.AdminPassword)
	methods := []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	json := map[string]string{"Accept": "application/json"}
	anonymous := []struct {
		name string
		r    webtest.Req
	}{
		{"no credentials", webtest.Req{Header: json}},
		{"unknown user", webtest.Req{Header: json, Basic: [2]string{"mallory", webtest.AdminPassword}}},
		{"wrong password", webtest.Req{Header: json, Basic: [2]string{"root", "guess"}}},
		{"bad token", webtest.Req{Header: json, Bearer: "pbx_forged0000000000000000000000"}},
		{"token without the prefix", webtest.Req{Header: json, Bearer: "forged"}},
		{"unknown scheme", webtest.Req{Header: map[string]string{"Accept": "application/json", "Authorization": "Digest x"}}},
		{"forged cookie", webtest.Req{Header: json, Cookie: "forged-session-id"}},
		{"wrong registry key", webtest.Req{Header: map[string]string{"Accept": "application/json", "apikey": "00000000-0000-4000-8000-000000000000"}}},
	}
	routed := map[[2]string]bool{}
	for _, rt := range f.Router.Routes() {
		routed[[2]string{rt.Method, concrete(rt.Path)}] = true
	}
	slow := os.Getenv("PLOWBOX_SLOW_TESTS") == "1"
	seen := map[string]bool{}
	checked, refused := 0, 0
	for _, rt := range f.Router.Routes() {
		path := concrete(rt.Path)
		if testPublic.MatchString(path) || seen[path] {
			continue
		}
		seen[path] = true
		for _, m := range methods {
			for _, a := range anonymous {
				if a.r.Basic[0] != "" && (!routed[[2]string{m, path}] || (len(seen)%8 != 1 && !slow)) {
					// A password check (bcrypt, tens of ms) comes before routing: once per
					// route with PLOWBOX_SLOW_TESTS=1, on every eighth route otherwise.
					continue
				}
				r := a.r
				r.Method, r.Path = m, path
				w := f.Do(t, r)
				checked++
				switch {
				case w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden || w.Code == http.StatusTooManyRequests:
				case w.Code == http.StatusNotFound && r.Header["apikey"] != "" && !routed[[2]string{m, path}]:
					// the registry checks its key on its own routes; no route, nothing to reach
				default:
					t.Errorf("%s %s, %s: %d %.200s", m, path, a.name, w.Code, w.Body)
				}
			}
			if !auth.ChangesState(m, path) {
				continue
			}
			for _, evil := range []map[string]string{
				{"Sec-Fetch-Site": "cross-site", auth.CSRFHeader: csrf},
				{"Origin": "https://evil.example", auth.CSRFHeader: csrf},
				{"Referer": "https://evil.example/page", auth.CSRFHeader: csrf},
			} {
				w := f.Do(t, webtest.Req{Method: m, Path: path, Cookie: cookie, Header: evil})
				refused++
				if w.Code != http.StatusForbidden {
					t.Errorf("%s %s with an admin cookie from another site (%v): %d %.200s", m, path, evil, w.Code, w.Body)
				}
			}
		}
		f.Clock.Add(time.Hour) // past any throttle the wrong passwords set
	}
	if len(seen) < 40 || refused < 200 {
		t.Errorf("only %d paths, %d cross-site requests checked", len(seen), refused)
	}
	t.Logf("%d paths × %d methods: %d anonymous requests denied, %d cross-site cookie requests refused", len(seen), len(methods), checked, refused)
}
