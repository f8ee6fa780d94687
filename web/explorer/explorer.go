// Package explorer serves plowbox's web explorer under /micro/ui/: events and bad rows
// with search, facets and a histogram, one record in full, the live tail, schemas and
// status. The pages are templ components of package ui.
package explorer

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/ui"
	"github.com/plowbox/plowbox/web/httpkit"
)

// Options configures the explorer under /micro/ui/.
type Options struct {
	// Store is read for records, counts, disk use and schemas. *store.Store implements it.
	Store Store
	// Index answers the explorer's searches. *index.Index implements it.
	Index Index
	// Version is plowbox's version, shown on the status page.
	Version string
	// Started is when plowbox started, for the uptime.
	Started time.Time
	// Session returns the signed-in user, their role and the CSRF token of the request;
	// nil (as with --auth none) shows no user.
	Session func(c *gin.Context) (user, role, csrf string)
	// Logger receives errors the pages could not show.
	Logger *slog.Logger
}

// Store is what the explorer reads from the store.
type Store interface {
	Get(seq uint64) (rec *store.Record, ok bool, err error)
	LastSeq() uint64
	Counts() store.Counts
	Size() (int64, error)
	Oldest() (t time.Time, ok bool, err error)
	Healthy() error
	ListSchemas(prefix string) ([]store.SchemaEntry, error)
	GetSchema(key string) (body []byte, meta store.SchemaMeta, ok bool, err error)
}

// Index is what the explorer asks of the search index.
type Index interface {
	Sync(ctx context.Context, seq uint64) error
	Search(ctx context.Context, q index.Query) (*index.Result, error)
	Columns(ctx context.Context) ([]string, error)
	Stats() index.Stats
}

// explorer serves the web UI.
type explorer struct {
	o Options
}

// Mount adds the explorer's routes to the /micro group g.
func Mount(g *gin.RouterGroup, o Options) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Started.IsZero() {
		o.Started = time.Now()
	}
	x := &explorer{o: o}
	g.GET("/ui", func(c *gin.Context) { c.Redirect(http.StatusFound, ui.Base+"/") })
	u := g.Group("/ui", httpkit.PageHeaders)
	u.GET("/", x.events)
	u.GET("/events", x.events)
	u.GET("/bad", x.bad)
	u.GET("/records/:seq", x.record)
	u.GET("/live", x.live)
	u.GET("/status", x.status)
	u.GET("/schemas", x.schemas)
	u.GET("/schemas/*key", x.schema)
	u.StaticFS("/static", http.FS(ui.Static()))
}

// LegacyRedirect sends Mini's UI paths (/home*, /kibana*) to the explorer and reports
// whether it did.
func LegacyRedirect(c *gin.Context) bool {
	p := c.Request.URL.Path
	home := p == "/home" || strings.HasPrefix(p, "/home/")
	if (home || strings.HasPrefix(p, "/kibana")) && c.Request.Method == http.MethodGet {
		c.Redirect(http.StatusFound, ui.Base+"/")
		return true
	}
	return false
}

// shell is the page frame for the request.
func (x *explorer) shell(c *gin.Context, title, active string) ui.Shell {
	s := ui.Shell{Title: title, Active: active}
	if x.o.Session != nil {
		s.User, s.Role, s.CSRF = x.o.Session(c)
	}
	return s
}

// renderUI writes a page with the request's context.
func renderUI(c *gin.Context, status int, page templ.Component) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	if err := page.Render(c.Request.Context(), c.Writer); err != nil {
		_ = c.Error(err)
	}
}

// fail renders a plain error page.
func (x *explorer) fail(c *gin.Context, status int, title, msg string) {
	renderUI(c, status, ui.ErrorPage(x.shell(c, title, ""), msg))
}

// internal logs err and renders a 500 page that says what failed.
func (x *explorer) internal(c *gin.Context, what string, err error) {
	x.o.Logger.Error("explorer: "+what, "path", c.Request.URL.Path, "err", err)
	x.fail(c, http.StatusInternalServerError, "Something went wrong", what+" failed: "+err.Error())
}
