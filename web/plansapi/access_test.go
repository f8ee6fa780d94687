package plansapi

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/internal/plans"
	"github.com/plowbox/plowbox/internal/runs"
	"github.com/plowbox/plowbox/internal/users"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/web"
	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/webtest"
)

// Under --auth basic the plans API needs a user, and changing plans the admin role.
func TestAccess(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	us := users.NewUsers(st)
	if err := us.Add("root", webtest.AdminPassword, users.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := us.Add("vera", webtest.ViewerPassword, users.RoleViewer); err != nil {
		t.Fatal(err)
	}
	lib, err := plans.NewLibrary(nil, st, log)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := runs.NewRegistry(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(filepath.Join(t.TempDir(), "index"), st, index.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	api := New(Options{Index: ix, Store: st, Library: lib, Runs: reg, Logger: log})
	sink := collector.SinkFunc(func(context.Context, *collector.Payload) error { return nil })
	coll := collector.New(collector.DefaultConfig(), sink, log)
	api.SetCollector(coll)
	h := web.New(web.Config{Collector: coll, Store: st, Index: ix,
		Auth: auth.NewAuth(us, log), Logger: log, Mounts: []func(*gin.Engine){api.Mount}})
	app, _ := os.ReadFile("../../internal/plans/testdata/shop/source-apps/mobile.json")
	bad, _ := os.ReadFile("../../internal/plans/testdata/bad/no-name.yaml")

	tests := []struct {
		name   string
		req    webtest.Req
		status int
		body   string
	}{
		{"no credentials", webtest.Req{Path: "/plowbox/api/plans"}, http.StatusUnauthorized, ""},
		{"no credentials, runs", webtest.Req{Path: "/plowbox/api/runs"}, http.StatusUnauthorized, ""},
		{"no credentials, start a run", webtest.Req{Method: "POST", Path: "/plowbox/api/runs"}, http.StatusUnauthorized, ""},
		{"a viewer may not upload", webtest.Req{Method: "PUT", Path: "/plowbox/api/plans/files/apps/mobile.json", Body: string(app), Basic: webtest.AsViewer},
			http.StatusForbidden, "needs the admin role"},
		{"an admin uploads", webtest.Req{Method: "PUT", Path: "/plowbox/api/plans/files/apps/mobile.json", Body: string(app), Basic: webtest.AsAdmin},
			http.StatusOK, `"name":"Shop app"`},
		{"a refused file says where and why", webtest.Req{Method: "PUT", Path: "/plowbox/api/plans/files/products/x.yaml", Body: string(bad), Basic: webtest.AsAdmin},
			http.StatusBadRequest, `{"path":"products/x.yaml","error":"data.name is missing"}`},
		{"a path outside", webtest.Req{Method: "PUT", Path: "/plowbox/api/plans/files/../x.yaml", Body: string(app), Basic: webtest.AsAdmin},
			http.StatusBadRequest, "want a relative path"},
		{"a viewer reads the plans", webtest.Req{Path: "/plowbox/api/plans", Basic: webtest.AsViewer}, http.StatusOK, `"uploaded":["apps/mobile.json"]`},
		{"a viewer may not delete", webtest.Req{Method: "DELETE", Path: "/plowbox/api/plans/files/apps/mobile.json", Basic: webtest.AsViewer}, http.StatusForbidden, ""},
		{"a viewer starts a run", webtest.Req{Method: "POST", Path: "/plowbox/api/runs", Body: `{"id":"ci-7"}`, ContentType: "application/json", Basic: webtest.AsViewer},
			http.StatusCreated, `"id":"ci-7"`},
		{"a bad run id", webtest.Req{Method: "POST", Path: "/plowbox/api/runs", Body: `{"id":"a b"}`, ContentType: "application/json", Basic: webtest.AsViewer},
			http.StatusBadRequest, "1 to 64 characters"},
		{"an unknown run", webtest.Req{Method: "POST", Path: "/plowbox/api/runs/nope/end", Basic: webtest.AsViewer}, http.StatusNotFound, `no run \"nope\"`},
		{"a bad expectations document", webtest.Req{Method: "POST", Path: "/plowbox/api/expect", Body: `{"expect":[]}`, ContentType: "application/json", Basic: webtest.AsViewer},
			http.StatusBadRequest, "expect lists nothing"},
		{"not a HAR", webtest.Req{Method: "POST", Path: "/plowbox/api/import/har", Body: `[]`, ContentType: "application/json", Basic: webtest.AsViewer},
			http.StatusBadRequest, "not a HAR capture"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := webtest.Do(t, h, tt.req)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.body) {
				t.Errorf("%d %s, want %d containing %q", w.Code, w.Body, tt.status, tt.body)
			}
		})
	}
}
