package plansapi

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/internal/plans"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

// maxPlanFile caps an uploaded plan file.
const maxPlanFile = 4 << 20

type planFileError struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

type specJSON struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	Event              *string         `json:"event"`
	AppIDs             []string        `json:"app_ids"`
	SourceApplications []string        `json:"source_applications"`
	Triggers           []plans.Trigger `json:"triggers"`
	Tracked            []ruleJSON      `json:"tracked_entities"`
	Enriched           []ruleJSON      `json:"enriched_entities"`
}

type ruleJSON struct {
	Source string `json:"source"`
	Min    int    `json:"min"`
	Max    *int   `json:"max"`
}

type productJSON struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Domain      string     `json:"domain"`
	Description string     `json:"description"`
	Owner       string     `json:"owner"`
	Path        string     `json:"path"`
	Specs       []specJSON `json:"specs"`
}

type appJSON struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Path   string   `json:"path"`
	AppIDs []string `json:"app_ids"`
}

// PlansView is GET /plowbox/api/plans: the plans in use, the files refused and those
// uploaded.
type PlansView struct {
	DataProducts       []productJSON   `json:"data_products"`
	SourceApplications []appJSON       `json:"source_applications"`
	Refused            []planFileError `json:"refused"`
	Uploaded           []string        `json:"uploaded"`
}

func rulesJSON(rs []*plans.EntityRule) []ruleJSON {
	out := make([]ruleJSON, len(rs))
	for i, r := range rs {
		out[i] = ruleJSON{Source: r.Source, Min: r.Min}
		if r.Max >= 0 {
			m := r.Max
			out[i].Max = &m
		}
	}
	return out
}

// View renders the library for the API and the UI.
func View(lib *plans.Library) PlansView {
	p := lib.Plans()
	v := PlansView{DataProducts: []productJSON{}, SourceApplications: []appJSON{}, Refused: []planFileError{}, Uploaded: []string{}}
	for _, dp := range p.Products {
		pj := productJSON{ID: dp.ID, Name: dp.Name, Domain: dp.Domain, Description: dp.Description, Owner: dp.Owner, Path: dp.Path, Specs: []specJSON{}}
		for _, s := range dp.Specs {
			sj := specJSON{ID: s.ID, Name: s.Name, AppIDs: s.AppIDs(), SourceApplications: []string{}, Triggers: s.Triggers,
				Tracked: rulesJSON(s.Tracked), Enriched: rulesJSON(s.Enriched)}
			if sj.AppIDs == nil {
				sj.AppIDs = []string{}
			}
			if sj.Triggers == nil {
				sj.Triggers = []plans.Trigger{}
			}
			if s.Source != nil {
				src := s.Source.String()
				sj.Event = &src
			}
			for _, a := range s.Apps {
				sj.SourceApplications = append(sj.SourceApplications, a.Name)
			}
			pj.Specs = append(pj.Specs, sj)
		}
		v.DataProducts = append(v.DataProducts, pj)
	}
	for _, a := range p.Apps {
		ids := a.AppIDs
		if ids == nil {
			ids = []string{}
		}
		v.SourceApplications = append(v.SourceApplications, appJSON{ID: a.ID, Name: a.Name, Path: a.Path, AppIDs: ids})
	}
	for _, e := range lib.Errors() {
		var fe *plans.FileError
		if errors.As(e, &fe) {
			v.Refused = append(v.Refused, planFileError{Path: fe.Path, Error: fe.Err.Error()})
		} else {
			v.Refused = append(v.Refused, planFileError{Error: e.Error()})
		}
	}
	if files, err := lib.Stored(); err == nil {
		for _, f := range files {
			v.Uploaded = append(v.Uploaded, f.Path)
		}
	}
	return v
}

func (a *API) listPlans(c *gin.Context) { c.JSON(http.StatusOK, View(a.o.Library)) }

// putPlan is PUT /plowbox/api/plans/files/{path}: the body is one plan file (YAML or
// JSON), checked with the others; a refused file is a 400 with its path and the reason.
func (a *API) putPlan(c *gin.Context) {
	if !isAdmin(c) {
		fail(c, http.StatusForbidden, "changing tracking plans needs the admin role")
		return
	}
	path := strings.TrimPrefix(c.Param("path"), "/")
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxPlanFile))
	if err != nil {
		fail(c, http.StatusRequestEntityTooLarge, "a plan file is at most 4 MiB: "+err.Error())
		return
	}
	if err := a.o.Library.Put(path, body); err != nil {
		var fe *plans.FileError
		if errors.As(err, &fe) {
			c.AbortWithStatusJSON(http.StatusBadRequest, planFileError{Path: fe.Path, Error: fe.Err.Error()})
			return
		}
		fail(c, http.StatusBadRequest, err.Error())
		return
	}
	c.JSON(http.StatusOK, View(a.o.Library))
}

// deletePlan is DELETE /plowbox/api/plans/files/{path}.
func (a *API) deletePlan(c *gin.Context) {
	if !isAdmin(c) {
		fail(c, http.StatusForbidden, "changing tracking plans needs the admin role")
		return
	}
	path := strings.TrimPrefix(c.Param("path"), "/")
	ok, err := a.o.Library.Delete(path)
	switch {
	case err != nil:
		fail(c, http.StatusBadRequest, err.Error())
	case !ok:
		fail(c, http.StatusNotFound, "no uploaded plan file "+path)
	default:
		c.JSON(http.StatusOK, View(a.o.Library))
	}
}

// coverage is GET /plowbox/api/plans/coverage[?run=ID&start=…&end=…].
func (a *API) coverage(c *gin.Context) {
	now := time.Now()
	start, err := parseTime(c.Query("start"), now)
	if err != nil {
		fail(c, http.StatusBadRequest, "start: "+err.Error())
		return
	}
	end, err := parseTime(c.Query("end"), now)
	if err != nil {
		fail(c, http.StatusBadRequest, "end: "+err.Error())
		return
	}
	cov, err := a.Coverage(c, c.Query("run"), start, end)
	if err != nil {
		a.searchFailed(c, err)
		return
	}
	c.JSON(http.StatusOK, cov)
}

// Coverage computes the coverage of the checked events of run ("" for all) between
// start and end (zero for open). The index counts the unplanned events and finds the
// matched ones; only the verdicts of those are read from the store, in one pass.
func (a *API) Coverage(c *gin.Context, run string, start, end time.Time) (plans.Coverage, error) {
	ctx := c.Request.Context()
	a.syncIndex(ctx)
	q := index.Query{Kinds: []string{index.KindGood, index.KindIncomplete}, Start: start, End: end}
	if run != "" {
		q.Q = runQuery(run)
	}
	b := plans.NewCoverage(a.o.Library.Plans())
	unplanned := q
	unplanned.Size = 1
	unplanned.Filters = []index.Filter{{Field: "plan_status", Values: []string{plans.StatusUnplanned}}}
	res, err := a.o.Index.Search(ctx, unplanned)
	if err != nil {
		return b.Result(), err
	}
	b.AddUnplanned(int(res.Total))
	matched := q
	matched.Filters = []index.Filter{{Field: "plan_status", Values: []string{plans.StatusValid, plans.StatusInvalid}}}
	seqs, err := a.seqs(ctx, matched)
	if err != nil {
		return b.Result(), err
	}
	// Events of one specification mostly share their verdict: decode each distinct one once.
	verdicts := map[string]*plans.Verdict{}
	err = a.o.Store.GetMany(seqs, false, func(rec *store.Record) bool {
		v, seen := verdicts[string(rec.Plan)]
		if !seen {
			if d, ok := verdictOf(rec); ok {
				v = &d
			}
			verdicts[string(rec.Plan)] = v
		}
		if v != nil {
			b.Add(v, recordTime(rec))
		}
		return true
	})
	return b.Result(), err
}
