package main

import (
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/queryapi"
)

// replayOptions mounts the replay endpoints: stored bad rows re-run through the
// pipeline's current enricher (the one the control plane reloads).
func replayOptions(st *store.Store, pipe *pipeline) *queryapi.ReplayOptions {
	return &queryapi.ReplayOptions{Store: st, Enricher: pipe.Enricher}
}
