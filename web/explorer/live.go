package explorer

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/ui"
)

// tailPath is the query API's server-sent event stream that the live page reads.
const tailPath = "/plowbox/api/tail"

// live serves the live tail page. The query is checked here, so that a mistake shows on
// the page instead of as a stream that keeps failing.
func (x *explorer) live(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	v := ui.LiveView{Q: q, Stream: tailPath}
	status := http.StatusOK
	if q != "" {
		v.Stream += "?" + url.Values{"q": {q}}.Encode()
		_, err := x.o.Index.Search(c.Request.Context(), index.Query{Q: q, Size: 1})
		var qe *index.QueryError
		switch {
		case errors.As(err, &qe):
			v.Error, v.Stream, status = "The query could not be run: "+qe.Err.Error()+".", "", http.StatusBadRequest
		case err != nil:
			x.o.Logger.Error("explorer: live query", "q", q, "err", err)
			v.Error, v.Stream, status = "The search failed: "+err.Error(), "", http.StatusServiceUnavailable
		}
	}
	renderUI(c, status, ui.LivePage(x.shell(c, "Live", ui.NavLive), v))
}
