package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/ui"
)

// Live tail tuning.
const (
	liveBackfill  = 20               // records sent when the tail opens
	liveBatch     = 200              // records read per index wake-up
	liveHeartbeat = 15 * time.Second // comment line that keeps proxies from closing the stream
)

// live serves the live tail page.
func (x *explorer) live(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	stream := ui.Base + "/live/stream"
	if q != "" {
		stream += "?" + url.Values{"q": {q}}.Encode()
	}
	renderUI(c, http.StatusOK, ui.LivePage(x.shell(c, "Live", ui.NavLive), ui.LiveView{Q: q, Stream: stream}))
}

// liveEvent is one record as the live tail sends it.
type liveEvent struct {
	Seq       uint64 `json:"seq"`
	Kind      string `json:"kind"`
	Time      string `json:"time"`
	EventName string `json:"event_name"`
	AppID     string `json:"app_id"`
	Summary   string `json:"summary"`
}

// liveStream sends the records matching q as server-sent events: the last few first,
// then each new one as the index takes it in, until the client goes away.
func (x *explorer) liveStream(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	ctx := c.Request.Context()
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)

	x.sync(c)
	last := x.o.Store.LastSeq()
	if id, err := strconv.ParseUint(c.GetHeader("Last-Event-ID"), 10, 64); err == nil {
		last = id // a reconnecting client resumes where it was
	} else {
		res, err := x.o.Index.Search(ctx, index.Query{Q: q, Size: liveBackfill})
		if err != nil {
			x.liveError(c, err)
			return
		}
		for i := len(res.Hits) - 1; i >= 0; i-- {
			x.sendLive(c, res.Hits[i].Seq)
			last = max(last, res.Hits[i].Seq)
		}
	}
	c.Writer.Flush()

	beat := time.NewTicker(liveHeartbeat)
	defer beat.Stop()
	for {
		changed := x.o.Index.Changed()
		res, err := x.o.Index.Search(ctx, index.Query{Q: q, AfterSeq: last, Size: liveBatch,
			Sort: []index.Sort{{Field: "seq"}}})
		if err != nil {
			x.liveError(c, err)
			return
		}
		for _, hit := range res.Hits {
			x.sendLive(c, hit.Seq)
			last = max(last, hit.Seq)
		}
		c.Writer.Flush()
		if len(res.Hits) == liveBatch {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-beat.C:
			if _, err := fmt.Fprint(c.Writer, ": ping\n\n"); err != nil {
				return
			}
			c.Writer.Flush()
		}
	}
}

// liveError tells the client why the tail stopped.
func (x *explorer) liveError(c *gin.Context, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	var qe *index.QueryError
	msg := "The live tail stopped: " + err.Error()
	if errors.As(err, &qe) {
		msg = "The query could not be run: " + qe.Err.Error()
	} else {
		x.o.Logger.Error("explorer: live tail", "err", err)
	}
	fmt.Fprintf(c.Writer, "event: error-message\ndata: %s\n\n", strings.ReplaceAll(msg, "\n", " "))
	c.Writer.Flush()
}

// sendLive writes the record seq as one server-sent event.
func (x *explorer) sendLive(c *gin.Context, seq uint64) {
	rec, ok, err := x.o.Store.Get(seq)
	if err != nil || !ok {
		return
	}
	b, _ := json.Marshal(liveSummary(rec))
	fmt.Fprintf(c.Writer, "id: %d\ndata: %s\n\n", seq, b)
}

// liveSummary is the one-line view of a record in the live tail.
func liveSummary(rec *store.Record) liveEvent {
	cl := newUICells(rec)
	le := liveEvent{Seq: rec.Seq, Kind: kindOf(rec), Time: cl.get("time")}
	if e := rec.Event; e != nil {
		le.EventName, le.AppID = uiEventTitle(e), e.Get(event.AppID)
		switch {
		case e.IsSet(event.SeAction):
			le.Summary = e.Get(event.SeCategory) + " / " + e.Get(event.SeAction)
		default:
			le.Summary = e.Get(event.PageURL)
		}
	}
	if rec.BadRow != nil {
		msg := cl.get("failure_message")
		le.Summary = cl.get("failure_type")
		if msg != "" {
			le.Summary += ": " + msg
		}
	}
	return le
}
