package explorer

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/ui"
)

// status serves the status page.
func (x *explorer) status(c *gin.Context) {
	n := x.o.Store.Counts()
	st := x.o.Index.Stats()
	v := ui.StatusView{
		Version: x.o.Version, Uptime: time.Since(x.o.Started).Round(time.Second).String(),
		Good: n.Good, Incomplete: n.Incomplete, Bad: n.Bad - n.Incomplete,
		IndexedSeq: st.IndexedSeq, LastSeq: x.o.Store.LastSeq(), Lag: st.Lag, Docs: st.Docs,
		IndexBytes: humanBytes(st.DiskBytes), Oldest: "none yet",
	}
	if size, err := x.o.Store.Size(); err != nil {
		v.StoreBytes = "unknown"
		v.Problems = append(v.Problems, "store size: "+err.Error())
	} else {
		v.StoreBytes = humanBytes(size)
	}
	if t, ok, err := x.o.Store.Oldest(); err != nil {
		v.Problems = append(v.Problems, "oldest record: "+err.Error())
	} else if ok {
		v.Oldest = t.UTC().Format("2006-01-02 15:04:05 UTC") + " (" + time.Since(t).Round(time.Second).String() + " ago)"
	}
	if err := x.o.Store.Healthy(); err != nil {
		v.Problems = append(v.Problems, "store: "+err.Error())
	}
	if st.Lag > 0 {
		v.Problems = append(v.Problems, fmt.Sprintf("index: %d records not searchable yet", st.Lag))
	}
	renderUI(c, http.StatusOK, ui.StatusPage(x.shell(c, "Status", ui.NavStatus), v))
}

// humanBytes formats a size in bytes, e.g. 12.3 MB.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// schemas serves the registry's list.
func (x *explorer) schemas(c *gin.Context) {
	var v ui.SchemasView
	list, err := x.o.Store.ListSchemas("")
	if err != nil {
		x.internal(c, "listing schemas", err)
		return
	}
	for _, s := range list {
		v.Schemas = append(v.Schemas, ui.SchemaRow{Key: s.Key, Href: ui.Base + "/schemas/" + s.Key, Public: s.Meta.Public})
	}
	renderUI(c, http.StatusOK, ui.SchemasPage(x.shell(c, "Schemas", ui.NavSchemas), v))
}

// schema serves one schema of the registry.
func (x *explorer) schema(c *gin.Context) {
	key := strings.TrimPrefix(c.Param("key"), "/")
	body, _, ok, err := x.o.Store.GetSchema(key)
	if err != nil {
		x.internal(c, "reading schema "+key, err)
		return
	}
	if !ok {
		x.fail(c, http.StatusNotFound, "No such schema", "The registry has no schema "+key+".")
		return
	}
	renderUI(c, http.StatusOK, ui.SchemaPage(x.shell(c, key, ui.NavSchemas), ui.SchemaView{Key: key, Body: ui.PrettyJSON(body, nil)}))
}
