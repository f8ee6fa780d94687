package plansapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/internal/plans"
	"github.com/plowbox/plowbox/internal/runs"
	"github.com/plowbox/plowbox/store/index"
)

// RunCounts are a run's records by kind.
type RunCounts struct {
	Good       int `json:"good"`
	Incomplete int `json:"incomplete"`
	Bad        int `json:"bad"`
}

// RunView is a run with its counts, first and last record.
type RunView struct {
	ID       string          `json:"id"`
	Started  string          `json:"started"`
	Ended    *string         `json:"ended"`
	Active   bool            `json:"active"`
	Counts   RunCounts       `json:"counts"`
	First    *string         `json:"first"`
	Last     *string         `json:"last"`
	Coverage *plans.Coverage `json:"coverage,omitempty"`
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// view completes run with what the index has of it.
func (a *API) view(ctx context.Context, run runs.Run) (RunView, error) {
	v := RunView{ID: run.ID, Started: isoTime(run.Started), Active: run.Active}
	if run.Ended != nil {
		s := isoTime(*run.Ended)
		v.Ended = &s
	}
	res, err := a.o.Index.Search(ctx, index.Query{Q: runQuery(run.ID), Size: 1, Facets: []string{"kind"}})
	if err != nil {
		return v, err
	}
	for _, t := range res.Facets["kind"] {
		switch t.Term {
		case index.KindGood:
			v.Counts.Good = t.Count
		case index.KindIncomplete:
			v.Counts.Incomplete = t.Count
		case index.KindBad:
			v.Counts.Bad = t.Count
		}
	}
	if res.Total == 0 {
		return v, nil
	}
	for _, order := range []struct {
		desc bool
		dst  **string
	}{{false, &v.First}, {true, &v.Last}} {
		r, err := a.o.Index.Search(ctx, index.Query{Q: runQuery(run.ID), Size: 1, Sort: []index.Sort{{Field: "time", Desc: order.desc}}})
		if err != nil {
			return v, err
		}
		if len(r.Hits) == 1 {
			if rec, ok, err := a.o.Store.Get(r.Hits[0].Seq); err == nil && ok {
				s := isoTime(recordTime(rec))
				*order.dst = &s
			}
		}
	}
	return v, nil
}

// listRuns is GET /plowbox/api/runs: every run, newest first, with its counts.
func (a *API) listRuns(c *gin.Context) {
	a.syncIndex(c.Request.Context())
	out := []RunView{}
	for _, run := range a.o.Runs.List() {
		v, err := a.view(c.Request.Context(), run)
		if err != nil {
			a.searchFailed(c, err)
			return
		}
		out = append(out, v)
	}
	c.JSON(http.StatusOK, gin.H{"runs": out, "active": nullable(a.o.Runs.Active())})
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// getRun is GET /plowbox/api/runs/{id}: the run, its counts, first and last record and
// its coverage.
func (a *API) getRun(c *gin.Context) {
	run, ok := a.o.Runs.Get(c.Param("id"))
	if !ok {
		fail(c, http.StatusNotFound, "no run "+quote(c.Param("id")))
		return
	}
	a.syncIndex(c.Request.Context())
	v, err := a.view(c.Request.Context(), run)
	if err == nil {
		var cov plans.Coverage
		cov, err = a.Coverage(c, run.ID, time.Time{}, time.Time{})
		v.Coverage = &cov
	}
	if err != nil {
		a.searchFailed(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// startRun is POST /plowbox/api/runs with {"id": "…"} or no body: the run becomes the
// active one, which tags every collector request that names none, until it is ended.
func (a *API) startRun(c *gin.Context) {
	var body struct {
		ID string `json:"id"`
	}
	if err := c.ShouldBindJSON(&body); err != nil && !errors.Is(err, io.EOF) {
		fail(c, http.StatusBadRequest, "the body is {\"id\": \"<run id>\"} or empty: "+err.Error())
		return
	}
	run, err := a.o.Runs.Start(strings.TrimSpace(body.ID))
	if err != nil {
		if errors.Is(err, runs.ErrInvalidID) {
			fail(c, http.StatusBadRequest, err.Error())
			return
		}
		c.Error(err)
		fail(c, http.StatusInternalServerError, err.Error())
		return
	}
	v, _ := a.view(c.Request.Context(), run)
	c.JSON(http.StatusCreated, v)
}

// endRun is POST /plowbox/api/runs/{id}/end.
func (a *API) endRun(c *gin.Context) {
	run, ok, err := a.o.Runs.End(c.Param("id"))
	switch {
	case err != nil:
		c.Error(err)
		fail(c, http.StatusInternalServerError, err.Error())
	case !ok:
		fail(c, http.StatusNotFound, "no run "+quote(c.Param("id")))
	default:
		a.syncIndex(c.Request.Context())
		v, _ := a.view(c.Request.Context(), run)
		c.JSON(http.StatusOK, v)
	}
}

// expect is POST /plowbox/api/expect; see expect.go.
