package auth_test

import (
	"strings"
	"testing"

	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/webtest"
)

// Every credential of plowbox's own is removed before the collector records a payload:
// the basic credentials, an API token, a proxy's credentials, the registry's super key
// in the apikey header, the CSRF token and the login cookie. Other headers stay.
func TestCollectorStripsEveryCredential(t *testing.T) {
	f := webtest.NewSecured(t)
	cookie, csrf := f.Login(t, "root", webtest.AdminPassword)
	secrets := map[string]string{
		"Authorization":       "Basic cm9vdDphZG1pbi1wYXNzd29yZA==",
		"Proxy-Authorization": "Basic cHJveHk6cHJveHktc2VjcmV0",
		"apikey":              "3c1d2a4e-8f7b-4c6d-9e0f-1a2b3c4d5e6f",
		auth.CSRFHeader:       csrf,
		"Cookie":              "sp=abc-123; " + auth.SessionCookie + "=" + cookie,
		"X-Keep":              "kept",
	}
	f.Do(t, webtest.Req{Path: "/i?e=pv", Header: secrets})
	payloads := f.Payloads()
	if len(payloads) != 1 {
		t.Fatalf("%d payloads", len(payloads))
	}
	all := strings.Join(payloads[0].Headers, "\n")
	for name, v := range secrets {
		if name == "X-Keep" || name == "Cookie" {
			continue
		}
		if strings.Contains(strings.ToLower(all), strings.ToLower(name)+":") || strings.Contains(all, v) {
			t.Errorf("the payload keeps %s: %q", name, payloads[0].Headers)
		}
	}
	for _, v := range []string{cookie, auth.SessionCookie} {
		if strings.Contains(all, v) {
			t.Errorf("the payload keeps the login cookie: %q", payloads[0].Headers)
		}
	}
	for _, keep := range []string{"X-Keep: kept", "sp=abc-123"} {
		if !strings.Contains(all, keep) {
			t.Errorf("the payload lost %q: %q", keep, payloads[0].Headers)
		}
	}
}
