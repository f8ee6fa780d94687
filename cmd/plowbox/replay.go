package main

import (
	"github.com/plowbox/plowbox/internal/pipeline"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web"
)

// replayOptions mounts the replay endpoints: stored bad rows re-run through the
// pipeline's current enricher (the one the control plane reloads).
func replayOptions(st *store.Store, pipe *pipeline.Pipeline) *web.ReplayOptions {
	return &web.ReplayOptions{Store: st, Enricher: pipe.Enricher}
}
