package controlplane_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/ui"
	"github.com/plowbox/plowbox/web"
	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/controlplane"
	"github.com/plowbox/plowbox/web/webtest"
)

// The admin page: admins only, every form carries the CSRF token, writes without it
// or from another site are refused, and each action reaches the users or the control
// plane.
func TestAdminPages(t *testing.T) {
	f := webtest.NewSecured(t)
	viewer, _ := f.Login(t, "vera", webtest.ViewerPassword)
	if w := f.Do(t, webtest.Req{Path: ui.AdminPath, Cookie: viewer}); w.Code != http.StatusForbidden {
		t.Errorf("viewer on the admin page: %d", w.Code)
	}
	cookie, csrf := f.Login(t, "root", webtest.AdminPassword)
	w := f.Do(t, webtest.Req{Path: ui.AdminPath, Cookie: cookie})
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
		w := f.Do(t, webtest.Req{Method: http.MethodPost, Path: ui.AdminPath + path, Cookie: cookie, ContentType: ct, Body: v.Encode(), Header: header})
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
		{"no token", "/users", url.Values{"name": {"sam"}, "password": {webtest.StrongPassword}, "role": {"viewer"}}, nil, 403, "CSRF"},
		{"cross-site", "/users", url.Values{"csrf": {csrf}, "name": {"sam"}, "password": {webtest.StrongPassword}, "role": {"viewer"}}, map[string]string{"Origin": "https://evil.example"}, 403, "cross-site"},
		{"weak password", "/users", url.Values{"csrf": {csrf}, "name": {"sam"}, "password": {"sam12345"}, "role": {"viewer"}}, nil, 303, "err=weak password: strength score is"},
		{"add user", "/users", url.Values{"csrf": {csrf}, "name": {"sam"}, "password": {webtest.StrongPassword}, "role": {"viewer"}}, nil, 303, "msg=Added sam (viewer)."},
		{"role", "/users/role", url.Values{"csrf": {csrf}, "name": {"sam"}, "role": {"admin"}}, nil, 303, "msg=sam is now admin."},
		{"password", "/users/password", url.Values{"csrf": {csrf}, "name": {"sam"}, "password": {webtest.StrongPassword + "!"}}, nil, 303, "msg=Password of sam changed"},
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
	if last := f.Plane.Calls(); len(last) < 2 || last[len(last)-2] != "reset" || last[len(last)-1] != "reload" {
		t.Errorf("control plane calls %q", last)
	}

	w = f.Do(t, webtest.Req{Method: http.MethodPost, Path: ui.AdminPath + "/tokens", Cookie: cookie, ContentType: ct, Body: url.Values{"csrf": {csrf}, "user": {"vera"}, "label": {"ci"}}.Encode()})
	secret := regexp.MustCompile(`pbx_[A-Za-z0-9_-]+`).FindString(w.Body.String())
	if w.Code != http.StatusCreated || secret == "" {
		t.Fatalf("create token: %d %s", w.Code, w.Body)
	}
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Bearer: secret}); w.Code != http.StatusOK {
		t.Errorf("token from the admin page: %d", w.Code)
	}
	page = f.Do(t, webtest.Req{Path: ui.AdminPath, Cookie: cookie}).Body.String()
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
	if w := f.Do(t, webtest.Req{Path: "/micro/all", Bearer: secret}); w.Code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", w.Code)
	}

	body, mct := multipartBody(t, "enrichmentjson", "../../x.json", `{"schema":"s"}`)
	w = f.Do(t, webtest.Req{Method: http.MethodPost, Path: ui.AdminPath + "/enrichments", Cookie: cookie, ContentType: mct, Body: body, Header: map[string]string{auth.CSRFHeader: csrf}})
	if w.Code != http.StatusSeeOther || f.Plane.Last() != `enrichment x.json {"schema":"s"}` {
		t.Errorf("upload: %d, plane got %q", w.Code, f.Plane.Last())
	}
}

// Under --auth none the admin page is open but still refuses cross-site writes.
func TestAdminPagesAuthNone(t *testing.T) {
	plane := &webtest.RecordingPlane{}
	log := slog.New(slog.DiscardHandler)
	h := web.New(web.Config{
		Collector: collector.New(collector.DefaultConfig(), collector.SinkFunc(nil), log),
		MicroAPI:  4, Logger: log,
		Control: &controlplane.Options{Plane: plane, Version: "1"},
	})
	if w := webtest.Do(t, h, webtest.Req{Path: ui.AdminPath}); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "keeps no users") {
		t.Errorf("admin page: %d", w.Code)
	}
	reset := url.Values{"confirm": {"yes"}}.Encode()
	const ct = "application/x-www-form-urlencoded"
	if w := webtest.Do(t, h, webtest.Req{Method: http.MethodPost, Path: ui.AdminPath + "/reset", ContentType: ct, Body: reset, Header: map[string]string{"Sec-Fetch-Site": "cross-site"}}); w.Code != http.StatusForbidden || plane.Last() != "" {
		t.Errorf("cross-site reset: %d, plane %q", w.Code, plane.Last())
	}
	if w := webtest.Do(t, h, webtest.Req{Method: http.MethodPost, Path: ui.AdminPath + "/reset", ContentType: ct, Body: reset, Header: map[string]string{"Sec-Fetch-Site": "same-origin"}}); w.Code != http.StatusSeeOther || plane.Last() != "reset" {
		t.Errorf("reset: %d, plane %q", w.Code, plane.Last())
	}
}
