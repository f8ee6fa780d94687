// Package plansapi serves plowbox's tracking-plan and test-run API under /plowbox/api:
// the plans in use and their upload, coverage, runs, and server-side expectations.
package plansapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/internal/plans"
	"github.com/plowbox/plowbox/internal/runs"
	"github.com/plowbox/plowbox/internal/users"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/ui"
	"github.com/plowbox/plowbox/web/auth"
)

// Index is the search index the API reads (*index.Index).
type Index interface {
	Sync(ctx context.Context, seq uint64) error
	Search(ctx context.Context, q index.Query) (*index.Result, error)
	Changed() <-chan struct{}
}

// Store is the event store the API reads (*store.Store).
type Store interface {
	Get(seq uint64) (rec *store.Record, ok bool, err error)
	GetMany(seqs []uint64, withPayload bool, fn func(*store.Record) bool) error
	LastSeq() uint64
}

// Options configures the API.
type Options struct {
	Index   Index
	Store   Store
	Library *plans.Library
	Runs    *runs.Registry
	Logger  *slog.Logger
}

// API serves the routes.
type API struct {
	o         Options
	collector http.Handler // HAR imports go through it; set by SetCollector
}

// New returns the API.
func New(o Options) *API {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &API{o: o}
}

// Mount adds the routes to r; it fits web.Options.Mounts.
func (a *API) Mount(r *gin.Engine) {
	g := r.Group("/plowbox/api")
	g.GET("/plans", a.listPlans)
	g.PUT("/plans/files/*path", a.putPlan)
	g.DELETE("/plans/files/*path", a.deletePlan)
	g.GET("/plans/coverage", a.coverage)
	g.GET("/runs", a.listRuns)
	g.POST("/runs", a.startRun)
	g.GET("/runs/:id", a.getRun)
	g.POST("/runs/:id/end", a.endRun)
	g.POST("/expect", a.expect)
	g.POST("/import/har", a.importHAR)
	g.POST("/plans/upload", a.uploadPlan)
	r.GET(ui.PlansPath, a.plansPage)
}

// errorBody is every error answer: {"error": "…"}.
func fail(c *gin.Context, status int, msg string) {
	c.AbortWithStatusJSON(status, gin.H{"error": msg})
}

// isAdmin reports whether the request may change plans: an admin, or anyone under
// --auth none.
func isAdmin(c *gin.Context) bool {
	user, role, _ := auth.SessionInfo(c)
	return user == "" || role == string(users.RoleAdmin)
}

// syncIndex waits (briefly) until everything stored is indexed.
func (a *API) syncIndex(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.o.Index.Sync(ctx, a.o.Store.LastSeq()); err != nil {
		a.o.Logger.Warn("search index behind the store, answering with what is indexed", "err", err)
	}
}

// seqs returns the sequences of every record matching q, oldest first. It pages newest
// first, the order the index answers fastest.
func (a *API) seqs(ctx context.Context, q index.Query) ([]uint64, error) {
	q.Size = 1000
	q.Sort = nil
	seqs, err := index.AllSeqs(ctx, a.o.Index.Search, q)
	slices.Reverse(seqs)
	return seqs, err
}

// searchFailed answers a failed search: a 400 for the user's bad query, else a 500.
func (a *API) searchFailed(c *gin.Context, err error) {
	var qe *index.QueryError
	if errors.As(err, &qe) {
		fail(c, http.StatusBadRequest, qe.Error())
		return
	}
	c.Error(err)
	fail(c, http.StatusInternalServerError, "search failed: "+err.Error())
}

// parseTime reads a time bound: RFC 3339, Unix milliseconds, or a duration before now
// ("-15m"), as the query API does.
func parseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if strings.HasPrefix(s, "-") {
		if d, err := time.ParseDuration(s[1:]); err == nil {
			return now.Add(-d), nil
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("a time is RFC 3339, Unix milliseconds or a duration before now (-15m), got %q", s)
	}
	return t, nil
}

// runQuery is the query string of run id's records.
func runQuery(id string) string { return "run:" + quote(id) }

// quote quotes a term for the query string.
func quote(s string) string { return strconv.Quote(s) }
