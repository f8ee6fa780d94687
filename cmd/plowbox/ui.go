package main

import (
	"log/slog"
	"time"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/explorer"
)

// uiOptions configures the explorer under /micro/ui/ over the store and its index, with
// the signed-in user from the auth layer; plowbox's uptime counts from this call.
func uiOptions(st *store.Store, ix *index.Index, log *slog.Logger) *explorer.Options {
	return &explorer.Options{Store: st, Index: ix, Version: version, Started: time.Now(), Logger: log,
		Session: auth.SessionInfo}
}
