// Package micro serves the Snowplow Micro REST API under /micro: the legacy endpoints
// (/all, /good, /bad, /reset, /events) read from the store, and the endpoints Micro 4.x
// added for its UI (POST /events, /columns, /columnStats, /timeline, /auth-config)
// answered from the search index.
package micro

import (
	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/web/search"
)

// Options configures the Micro API.
type Options struct {
	// Store is read by the legacy endpoints and emptied by /micro/reset.
	Store search.Store
	// Searcher answers the Micro 4.x UI endpoints; nil answers them 503.
	Searcher *search.Searcher
	// Generation is the Micro generation (3 or 4) whose response texts plowbox mimics.
	Generation int
	// BadRows adds the structured badRows key to BadEvents.
	BadRows bool
}

// API is the mounted Micro API.
type API struct{ m *micro }

// Mount mounts the Micro API on g, the /micro group.
func Mount(g *gin.RouterGroup, o Options) *API {
	m := &micro{store: o.Store, generation: o.Generation, badRows: o.BadRows}
	m.routes(g)
	(&microUI{s: o.Searcher}).routes(g)
	return &API{m: m}
}

// NotFound answers any other /micro path with the generation's message.
func (a *API) NotFound(c *gin.Context) { a.m.notFound(c) }
