package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/internal/har"
	"github.com/plowbox/plowbox/internal/options"
	"github.com/plowbox/plowbox/internal/plans"
	"github.com/plowbox/plowbox/internal/runs"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/plansapi"
)

// plansConfig is what plowbox serve is told about tracking plans.
type plansConfig struct {
	dirs []string // --tracking-plans
}

// plansOptions are the tracking-plan options of plowbox serve.
func plansOptions(c *plansConfig) []options.Option {
	return []options.Option{
		{Name: "tracking-plans", Usage: "directory of tracking plans as snowplow-cli writes them (data products and source applications, YAML or JSON); every good event is checked against them; repeat or comma-separate for several", Value: options.List(&c.dirs)},
	}
}

// planFeature is tracking plans and test runs at work: the plan library, the runs, and
// their API.
type planFeature struct {
	lib  *plans.Library
	runs *runs.Registry
	api  *plansapi.API
}

// setupPlans loads the plans of the --tracking-plans directories and of the store, and
// the runs kept in the store.
func setupPlans(c plansConfig, st *store.Store, ix plansapi.Index, log *slog.Logger) (*planFeature, error) {
	lib, err := plans.NewLibrary(c.dirs, st, log)
	if err != nil {
		return nil, err
	}
	reg, err := runs.NewRegistry(st, nil)
	if err != nil {
		return nil, err
	}
	n := len(lib.Plans().Specs())
	if len(c.dirs) > 0 || n > 0 {
		log.Info("tracking plans loaded", "data_products", len(lib.Plans().Products), "event_specifications", n, "refused_files", len(lib.Errors()))
	}
	api := plansapi.New(plansapi.Options{Index: ix, Store: st, Library: lib, Runs: reg, Logger: log})
	return &planFeature{lib: lib, runs: reg, api: api}, nil
}

// wrapCollector tags collector requests with their run (internal/runs).
// HAR imports go through it too.
func (f *planFeature) wrapCollector(h http.Handler) http.Handler {
	wrapped := runs.Handler(h, f.runs.Active, f.runs.Seen)
	f.api.SetCollector(wrapped)
	return wrapped
}

// mounts are the routes of the plans API.
func (f *planFeature) mounts() []func(*gin.Engine) { return []func(*gin.Engine){f.api.Mount} }

// process runs a payload through en, keeping its run with its records; a payload naming
// a bad run id becomes a tracker_protocol_violations bad row that keeps the request. The
// pipeline's Check hook takes the plan verdicts (serve.go).
func (f *planFeature) process(ctx context.Context, en *enrich.Enricher, p *collector.Payload) *enrich.Result {
	tag, _ := runs.FromContext(ctx)
	if tag.Invalid != "" {
		field := "run"
		if tag.Source == runs.SourceHeader {
			field = runs.Header
		}
		return en.RejectPayload(p, field, tag.Invalid, fmt.Sprintf("a test run id: %v", runs.ErrInvalidID))
	}
	if t, ok := har.TimeFrom(ctx); ok { // an imported request: its original time
		p.Timestamp = t.UTC().Truncate(time.Millisecond)
	}
	res := en.Process(ctx, p)
	for i := range res.Outputs {
		res.Outputs[i].Run = tag.ID
	}
	return res
}
