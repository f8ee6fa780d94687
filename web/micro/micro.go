package micro

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/httpkit"
	"github.com/plowbox/plowbox/web/search"
)

// micro serves the Snowplow Micro REST API (https://docs.snowplow.io/docs/testing/snowplow-micro/).
type micro struct {
	store      search.Store
	generation int  // 3 or 4: the Micro generation whose texts plowbox mimics
	badRows    bool // add the structured badRows key to BadEvents
}

func (m *micro) routes(g *gin.RouterGroup) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		g.Handle(method, "/all", m.all)
		g.Handle(method, "/good", m.good)
		g.Handle(method, "/bad", m.bad)
		g.Handle(method, "/reset", m.reset)
	}
	g.GET("/events", m.eventsLossy)
}

func (m *micro) countsJSON() []byte {
	n := m.store.Counts()
	return []byte(`{"total":` + strconv.Itoa(n.Good+n.Bad) + `,"good":` + strconv.Itoa(n.Good) + `,"bad":` + strconv.Itoa(n.Bad) + `}`)
}

func (m *micro) all(c *gin.Context) { httpkit.WriteJSON(c, http.StatusOK, m.countsJSON()) }

func (m *micro) reset(c *gin.Context) {
	if err := m.store.Reset(); err != nil {
		c.Error(err)
		httpkit.WriteMessage(c, http.StatusInternalServerError, "reset failed: "+err.Error())
		return
	}
	if m.generation == 3 {
		httpkit.WriteJSON(c, http.StatusOK, m.countsJSON())
		return
	}
	httpkit.WriteMessage(c, http.StatusOK, "Reset completed")
}

// goodFilters is the POST /micro/good body: event_type, schema, contexts, limit.
type goodFilters struct {
	EventType *string  `json:"event_type"`
	Schema    *string  `json:"schema"`
	Contexts  []string `json:"contexts"`
	Limit     *int     `json:"limit"`
}

// badFilters is the POST /micro/bad body: vendor, version, limit.
type badFilters struct {
	Vendor  *string `json:"vendor"`
	Version *string `json:"version"`
	Limit   *int    `json:"limit"`
}

// decodeFilters reads a POST filter body with http4s's error statuses (httpkit.ReadJSONBody),
// writing the error as a JSON string. It reports false after writing the error.
func decodeFilters(c *gin.Context, dst any) bool {
	if c.Request.Method != http.MethodPost {
		return true
	}
	if status, msg := httpkit.ReadJSONBody(c, dst); status != 0 {
		httpkit.WriteMessage(c, status, msg)
		return false
	}
	return true
}

// writeList streams a JSON array of the items that iterate yields, at most limit (all
// when limit < 0).
func writeList(c *gin.Context, limit int, iterate func(fn func(*store.Record) bool) error, keep func(*store.Record) bool, render func(*store.Record) ([]byte, error)) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	var renderErr error
	err := iterate(func(rec *store.Record) bool {
		if limit >= 0 && n >= limit {
			return false
		}
		if keep != nil && !keep(rec) {
			return true
		}
		b, err := render(rec)
		if err != nil {
			renderErr = err
			return false
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b)
		n++
		return true
	})
	if err == nil {
		err = renderErr
	}
	if err != nil {
		c.Error(err)
		httpkit.WriteMessage(c, http.StatusInternalServerError, "reading events failed: "+err.Error())
		return
	}
	buf.WriteByte(']')
	httpkit.WriteJSON(c, http.StatusOK, buf.Bytes())
}

func limitOf(l *int) int {
	if l == nil || *l < 0 {
		return -1
	}
	return *l
}

func (m *micro) good(c *gin.Context) {
	var f goodFilters
	if !decodeFilters(c, &f) {
		return
	}
	keep := func(rec *store.Record) bool {
		ev := rec.Event
		if f.EventType != nil && ev.Get(event.EventType) != *f.EventType {
			return false
		}
		if f.Schema != nil {
			if schema := ev.SchemaURI(); schema == "" || schema != *f.Schema { // a null schema never matches
				return false
			}
		}
		if len(f.Contexts) > 0 {
			have := ev.ContextURIs()
			for _, want := range f.Contexts {
				if !slices.Contains(have, want) {
					return false
				}
			}
		}
		return true
	}
	writeList(c, limitOf(f.Limit), m.store.Good, keep, goodEventOf)
}

func (m *micro) bad(c *gin.Context) {
	var f badFilters
	if !decodeFilters(c, &f) {
		return
	}
	keep := func(rec *store.Record) bool {
		if rec.Stage != enrich.StageAdapter && rec.Stage != enrich.StageValidation {
			return true // no collectorPayload: passes every filter, as in Micro
		}
		api := apiOf(rec.Payload)
		if f.Vendor != nil && api.Vendor != *f.Vendor {
			return false
		}
		if f.Version != nil && api.Version != *f.Version {
			return false
		}
		return true
	}
	render := func(rec *store.Record) ([]byte, error) { return badEventOf(rec, m.badRows) }
	writeList(c, limitOf(f.Limit), m.store.Bad, keep, render)
}

// eventsLossy is Micro 3.0's GET /micro/events: every good and incomplete event in the
// flattened JSON form, newest first.
func (m *micro) eventsLossy(c *gin.Context) {
	writeList(c, -1, m.store.Events, nil, func(rec *store.Record) ([]byte, error) {
		return rec.Event.AppendLossyJSON(nil), nil
	})
}

// notFound answers any other /micro path with the generation's message.
func (m *micro) notFound(c *gin.Context) {
	if m.generation == 3 {
		httpkit.WriteMessage(c, http.StatusNotFound, "Path for micro has to be one of: /events /all /good /bad /reset /iglu")
		return
	}
	httpkit.WriteMessage(c, http.StatusNotFound, "Supported endpoints: /micro/all, /micro/good, /micro/bad, /micro/events, /micro/reset, /micro/columns, /micro/columnStats, /micro/timeline, /micro/iglu, /micro/ui")
}
