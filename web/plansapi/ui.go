package plansapi

import (
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/ui"
	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/httpkit"
)

// specHref links a specification's events in the explorer, within run when given.
func specHref(id, run string) string {
	q := "spec:" + quote(id)
	if run != "" {
		q += " AND " + runQuery(run)
	}
	return ui.Base + "/events?q=" + url.QueryEscape(q)
}

// plansPage is GET /micro/ui/plans[?run=ID]: the Plans page.
func (a *API) plansPage(c *gin.Context) {
	run := c.Query("run")
	user, role, csrf := auth.SessionInfo(c)
	v := ui.PlansView{Run: run, Message: c.Query("msg"), Error: c.Query("err"), CanEdit: isAdmin(c), CSRF: csrf}
	cov, err := a.Coverage(c, run, time.Time{}, time.Time{})
	if err != nil {
		v.Error = "coverage: " + err.Error()
	}
	pv := View(a.o.Library)
	for i, dp := range pv.DataProducts {
		p := ui.PlanProduct{Name: dp.Name, Domain: dp.Domain, Owner: dp.Owner, Path: dp.Path}
		event := map[string]string{}
		apps := map[string]string{}
		for _, s := range dp.Specs {
			if s.Event != nil {
				event[s.ID] = *s.Event
			}
			apps[s.ID] = strings.Join(s.AppIDs, ", ")
		}
		if i < len(cov.DataProducts) {
			for _, sc := range cov.DataProducts[i].Specs {
				r := ui.PlanSpecRow{Name: sc.Name, Event: event[sc.ID], AppIDs: apps[sc.ID], Seen: sc.Seen, Valid: sc.Valid,
					Invalid: sc.Invalid, Href: specHref(sc.ID, run)}
				if sc.LastSeen != nil {
					r.LastSeen = *sc.LastSeen
				}
				for _, e := range sc.Errors {
					r.Errors = append(r.Errors, e.Message+" ("+strconv.Itoa(e.Count)+")")
				}
				p.Specs = append(p.Specs, r)
			}
		}
		v.Products = append(v.Products, p)
	}
	v.Unplanned = cov.Unplanned
	for _, r := range pv.Refused {
		v.Refused = append(v.Refused, ui.KV{Name: r.Path, Value: r.Error})
	}
	v.Uploaded = pv.Uploaded
	for _, r := range a.o.Runs.List() {
		rv, err := a.view(c.Request.Context(), r)
		if err != nil {
			break
		}
		v.Runs = append(v.Runs, ui.PlanRun{ID: r.ID, Started: rv.Started, Active: r.Active, Good: rv.Counts.Good,
			Bad: rv.Counts.Bad + rv.Counts.Incomplete, Href: ui.PlansPath + "?run=" + url.QueryEscape(r.ID)})
	}
	shell := ui.Shell{Title: "Plans", Active: ui.NavPlans, User: user, Role: role, CSRF: csrf}
	httpkit.PageHeaders(c)
	httpkit.Render(c, http.StatusOK, ui.PlansPage(shell, v))
}

// backToPage answers a form of the Plans page: back to it with a message or an error.
func backToPage(c *gin.Context, msg, errMsg string) {
	q := url.Values{}
	if msg != "" {
		q.Set("msg", msg)
	}
	if errMsg != "" {
		q.Set("err", errMsg)
	}
	c.Redirect(http.StatusSeeOther, ui.PlansPath+"?"+q.Encode())
}

// uploadPlan is POST /plowbox/api/plans/upload: the Plans page's form (multipart file,
// optional path).
func (a *API) uploadPlan(c *gin.Context) {
	if !isAdmin(c) {
		backToPage(c, "", "changing tracking plans needs the admin role")
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		backToPage(c, "", "choose a plan file to upload")
		return
	}
	p := strings.TrimSpace(c.PostForm("path"))
	if p == "" {
		p = path.Base(fh.Filename)
	}
	f, err := fh.Open()
	if err != nil {
		backToPage(c, "", err.Error())
		return
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxPlanFile+1))
	if err != nil || len(body) > maxPlanFile {
		backToPage(c, "", "a plan file is at most 4 MiB")
		return
	}
	if err := a.o.Library.Put(p, body); err != nil {
		backToPage(c, "", err.Error())
		return
	}
	backToPage(c, "uploaded "+p, "")
}
