package auth_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/plowbox/plowbox/web/webtest"
)

// A cookie-authenticated request that changes state is refused from another site
// whatever its Method: SameSite=Lax sends the cookie along with a cross-site top-level
// GET, and Micro's GET /micro/reset wipes the store. Basic-auth and token callers keep
// Micro's GET reset; same-origin cookie requests keep working.
func TestCrossSiteCookieStateChange(t *testing.T) {
	f := webtest.NewSecured(t)
	cookie, _ := f.Login(t, "root", webtest.AdminPassword)
	tok := token(f, t, webtest.AsAdmin)
	evil := map[string]string{"Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/"}
	cases := []struct {
		name   string
		r      webtest.Req
		status int
	}{
		{"cookie GET reset, Sec-Fetch-Site", webtest.Req{Path: "/micro/reset", Cookie: cookie, Header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, http.StatusForbidden},
		{"cookie GET reset, same-site", webtest.Req{Path: "/micro/reset", Cookie: cookie, Header: map[string]string{"Sec-Fetch-Site": "same-site"}}, http.StatusForbidden},
		{"cookie GET reset, Referer only", webtest.Req{Path: "/micro/reset", Cookie: cookie, Header: map[string]string{"Referer": "https://evil.example/"}}, http.StatusForbidden},
		{"cookie GET reset, Origin only", webtest.Req{Path: "/micro/reset", Cookie: cookie, Header: map[string]string{"Origin": "https://evil.example"}}, http.StatusForbidden},
		{"cookie HEAD reset", webtest.Req{Method: http.MethodHead, Path: "/micro/reset", Cookie: cookie, Header: evil}, http.StatusForbidden},
		{"cookie POST reset", webtest.Req{Method: http.MethodPost, Path: "/micro/reset", Cookie: cookie, Header: evil}, http.StatusForbidden},
		{"cookie cross-site read stays open", webtest.Req{Path: "/micro/all", Cookie: cookie, Header: evil}, http.StatusOK},
		{"cookie GET reset, same-origin", webtest.Req{Path: "/micro/reset", Cookie: cookie, Header: map[string]string{"Sec-Fetch-Site": "same-origin"}}, http.StatusOK},
		{"cookie GET reset, typed URL", webtest.Req{Path: "/micro/reset", Cookie: cookie, Header: map[string]string{"Sec-Fetch-Site": "none"}}, http.StatusOK},
		{"basic GET reset", webtest.Req{Path: "/micro/reset", Basic: webtest.AsAdmin}, http.StatusOK},
		{"token GET reset", webtest.Req{Path: "/micro/reset", Bearer: tok}, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if w := f.Do(t, tc.r); w.Code != tc.status {
				t.Errorf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
		})
	}
}

// token creates an API token for user and returns its secret.
func token(f *webtest.Secured, t testing.TB, user [2]string) string {
	t.Helper()
	w := f.Do(t, webtest.Req{Method: http.MethodPost, Path: "/plowbox/api/tokens", Basic: user, ContentType: "application/json", Body: `{"label":"test"}`})
	secret := regexp.MustCompile(`pbx_[A-Za-z0-9_-]+`).FindString(w.Body.String())
	if w.Code != http.StatusCreated || secret == "" {
		t.Fatalf("create token: %d %s", w.Code, w.Body)
	}
	return secret
}
