package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/ui"
)

// The admin page: admins only, every form carries the CSRF token, writes without it
// or from another site are refused, and each action reaches the users or the control
// plane.
func TestAdminPages(t *testing.T) {
	f := newAuthFixture(t)
	viewer, _ := f.login(t, "vera", viewerPassword)
	if w := f.do(t, req{path: ui.AdminPath, cookie: viewer}); w.Code != http.StatusForbidden {
		t.Errorf("viewer on the admin page: %d", w.Code)
	}
	cookie, csrf := f.login(t, "root", adminPassword)
	w := f.do(t, req{path: ui.AdminPath, cookie: cookie})
	page := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(page, "<td>vera</td>") || !strings.Contains(page, `aria-current="page">Admin`) {
		t.Fatalf("admin page: %d %s", w.Code, page)
	}
	forms := strings.Count(page, "<form ")
	if got := strings.Count(page, `name="csrf" value="`+csrf+`"`); forms < 10 || got != forms {
		t.Errorf("%d forms, %d with the CSRF token", forms, got)
	}

	const ct = "application/x-www-form-urlencoded"
	post := func(path string, v url.Values, header map[string]string) (int, string) {
		w := f.do(t, req{method: http.MethodPost, path: ui.AdminPath + path, cookie: cookie, contentType: ct, body: v.Encode(), header: header})
		loc, _ := url.QueryUnescape(w.Header().Get("Location"))
		return w.Code, loc + w.Body.String()
	}
	cases := []struct {
		name   string
		path   string
		v      url.Values
		header map[string]string
		status int
		want   string
	}{
		{"no token", "/users", url.Values{"name": {"sam"}, "password": {strongPassword}, "role": {"viewer"}}, nil, 403, "CSRF"},
		{"cross-site", "/users", url.Values{"csrf": {csrf}, "name": {"sam"}, "password": {strongPassword}, "role": {"viewer"}}, map[string]string{"Origin": "https://evil.example"}, 403, "cross-site"},
		{"weak password", "/users", url.Values{"csrf": {csrf}, "name": {"sam"}, "password": {"sam12345"}, "role": {"viewer"}}, nil, 303, "err=weak password: strength score is"},
		{"add user", "/users", url.Values{"csrf": {csrf}, "name": {"sam"}, "password": {strongPassword}, "role": {"viewer"}}, nil, 303, "msg=Added sam (viewer)."},
		{"role", "/users/role", url.Values{"csrf": {csrf}, "name": {"sam"}, "role": {"admin"}}, nil, 303, "msg=sam is now admin."},
		{"password", "/users/password", url.Values{"csrf": {csrf}, "name": {"sam"}, "password": {strongPassword + "!"}}, nil, 303, "msg=Password of sam changed"},
		{"delete nobody", "/users/delete", url.Values{"csrf": {csrf}, "name": {"nobody"}}, nil, 303, "err=no such user: nobody"},
		{"delete", "/users/delete", url.Values{"csrf": {csrf}, "name": {"sam"}}, nil, 303, "msg=Deleted sam"},
		{"reset unconfirmed", "/reset", url.Values{"csrf": {csrf}}, nil, 303, "err=tick the confirmation"},
		{"reset", "/reset", url.Values{"csrf": {csrf}, "confirm": {"yes"}}, nil, 303, "msg=Every event and bad row is deleted."},
		{"reload", "/reload", url.Values{"csrf": {csrf}}, nil, 303, "msg=Reloaded"},
		{"registry bad key", "/registries", url.Values{"csrf": {csrf}, "name": {"x"}, "uri": {"http://127.0.0.1:1"}, "apikey": {"nope"}}, nil, 303, "err=Given apikey is not a valid UUID."},
		{"registry unreachable", "/registries", url.Values{"csrf": {csrf}, "name": {"x"}, "uri": {"http://127.0.0.1:1"}}, nil, 303, "err=Given URL is not reachable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, got := post(tc.path, tc.v, tc.header)
			if status != tc.status || !strings.Contains(got, tc.want) {
				t.Errorf("%d %q, want %d with %q", status, got, tc.status, tc.want)
			}
		})
	}
	if last := f.plane.calls; len(last) < 2 || last[len(last)-2] != "reset" || last[len(last)-1] != "reload" {
		t.Errorf("control plane calls %q", last)
	}

	w = f.do(t, req{method: http.MethodPost, path: ui.AdminPath + "/tokens", cookie: cookie, contentType: ct, body: url.Values{"csrf": {csrf}, "user": {"vera"}, "label": {"ci"}}.Encode()})
	secret := regexp.MustCompile(`pbx_[A-Za-z0-9_-]+`).FindString(w.Body.String())
	if w.Code != http.StatusCreated || secret == "" {
		t.Fatalf("create token: %d %s", w.Code, w.Body)
	}
	if w := f.do(t, req{path: "/micro/all", bearer: secret}); w.Code != http.StatusOK {
		t.Errorf("token from the admin page: %d", w.Code)
	}
	page = f.do(t, req{path: ui.AdminPath, cookie: cookie}).Body.String()
	if strings.Contains(page, secret) {
		t.Errorf("the token is shown twice")
	}
	id := regexp.MustCompile(`name="id" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	if id == nil {
		t.Fatalf("no token on the page")
	}
	if status, got := post("/tokens/revoke", url.Values{"csrf": {csrf}, "id": {id[1]}}, nil); status != 303 || !strings.Contains(got, "Revoked") {
		t.Errorf("revoke: %d %s", status, got)
	}
	if w := f.do(t, req{path: "/micro/all", bearer: secret}); w.Code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", w.Code)
	}

	body, mct := multipartBody(t, "enrichmentjson", "../../x.json", `{"schema":"s"}`)
	w = f.do(t, req{method: http.MethodPost, path: ui.AdminPath + "/enrichments", cookie: cookie, contentType: mct, body: body, header: map[string]string{CSRFHeader: csrf}})
	if w.Code != http.StatusSeeOther || f.plane.last() != `enrichment x.json {"schema":"s"}` {
		t.Errorf("upload: %d, plane got %q", w.Code, f.plane.last())
	}
}

// Under --auth none the admin page is open but still refuses cross-site writes.
func TestAdminPagesAuthNone(t *testing.T) {
	plane := &recordingPlane{}
	log := slog.New(slog.DiscardHandler)
	h := New(Options{
		Collector: collector.New(collector.DefaultConfig(), collector.SinkFunc(nil), log),
		MicroAPI:  4, Logger: log,
		Control: &ControlOptions{Plane: plane, Version: "1"},
	})
	f := &authFixture{h: h}
	if w := f.do(t, req{path: ui.AdminPath}); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "keeps no users") {
		t.Errorf("admin page: %d", w.Code)
	}
	reset := url.Values{"confirm": {"yes"}}.Encode()
	const ct = "application/x-www-form-urlencoded"
	if w := f.do(t, req{method: http.MethodPost, path: ui.AdminPath + "/reset", contentType: ct, body: reset, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}); w.Code != http.StatusForbidden || plane.last() != "" {
		t.Errorf("cross-site reset: %d, plane %q", w.Code, plane.last())
	}
	if w := f.do(t, req{method: http.MethodPost, path: ui.AdminPath + "/reset", contentType: ct, body: reset, header: map[string]string{"Sec-Fetch-Site": "same-origin"}}); w.Code != http.StatusSeeOther || plane.last() != "reset" {
		t.Errorf("reset: %d, plane %q", w.Code, plane.last())
	}
}
