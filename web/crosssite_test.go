package web

import (
	"net/http"
	"regexp"
	"testing"
)

// A cookie-authenticated request that changes state is refused from another site
// whatever its method: SameSite=Lax sends the cookie along with a cross-site top-level
// GET, and Micro's GET /micro/reset wipes the store. Basic-auth and token callers keep
// Micro's GET reset; same-origin cookie requests keep working.
func TestCrossSiteCookieStateChange(t *testing.T) {
	f := newAuthFixture(t)
	cookie, _ := f.login(t, "root", adminPassword)
	tok := f.token(t, asAdmin)
	evil := map[string]string{"Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/"}
	cases := []struct {
		name   string
		r      req
		status int
	}{
		{"cookie GET reset, Sec-Fetch-Site", req{path: "/micro/reset", cookie: cookie, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, http.StatusForbidden},
		{"cookie GET reset, same-site", req{path: "/micro/reset", cookie: cookie, header: map[string]string{"Sec-Fetch-Site": "same-site"}}, http.StatusForbidden},
		{"cookie GET reset, Referer only", req{path: "/micro/reset", cookie: cookie, header: map[string]string{"Referer": "https://evil.example/"}}, http.StatusForbidden},
		{"cookie GET reset, Origin only", req{path: "/micro/reset", cookie: cookie, header: map[string]string{"Origin": "https://evil.example"}}, http.StatusForbidden},
		{"cookie HEAD reset", req{method: http.MethodHead, path: "/micro/reset", cookie: cookie, header: evil}, http.StatusForbidden},
		{"cookie POST reset", req{method: http.MethodPost, path: "/micro/reset", cookie: cookie, header: evil}, http.StatusForbidden},
		{"cookie cross-site read stays open", req{path: "/micro/all", cookie: cookie, header: evil}, http.StatusOK},
		{"cookie GET reset, same-origin", req{path: "/micro/reset", cookie: cookie, header: map[string]string{"Sec-Fetch-Site": "same-origin"}}, http.StatusOK},
		{"cookie GET reset, typed URL", req{path: "/micro/reset", cookie: cookie, header: map[string]string{"Sec-Fetch-Site": "none"}}, http.StatusOK},
		{"basic GET reset", req{path: "/micro/reset", basic: asAdmin}, http.StatusOK},
		{"token GET reset", req{path: "/micro/reset", bearer: tok}, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if w := f.do(t, tc.r); w.Code != tc.status {
				t.Errorf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
		})
	}
}

// token creates an API token for user and returns its secret.
func (f *authFixture) token(t testing.TB, user [2]string) string {
	t.Helper()
	w := f.do(t, req{method: http.MethodPost, path: "/plowbox/api/tokens", basic: user, contentType: "application/json", body: `{"label":"test"}`})
	secret := regexp.MustCompile(`pbx_[A-Za-z0-9_-]+`).FindString(w.Body.String())
	if w.Code != http.StatusCreated || secret == "" {
		t.Fatalf("create token: %d %s", w.Code, w.Body)
	}
	return secret
}
