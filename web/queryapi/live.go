package queryapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/web/httpkit"
)

// Limits of GET /plowbox/api/wait.
const (
	defaultWaitTimeout = 10 * time.Second
	maxWaitTimeout     = 5 * time.Minute
	maxWaitHits        = 1000
)

// waitResponse is the answer of GET /plowbox/api/wait.
type waitResponse struct {
	Matched  uint64            `json:"matched"`
	Wanted   int               `json:"wanted"`
	TimedOut bool              `json:"timed_out"`
	Hits     []json.RawMessage `json:"hits"`
}

// wait is GET /plowbox/api/wait: it answers 200 as soon as at least n records match the
// query, re-checking after each indexed batch, or 408 when timeout passes first. Both
// carry the count and the newest matching records (at most n), so a test suite never
// sleeps and a failed wait says how far it got.
func (a *nativeAPI) wait(c *gin.Context) {
	q, msg := queryParams(c, time.Now())
	var n int
	if msg == "" {
		n, msg = intParam(c, "n", 1, 0, 1<<30)
	}
	timeout := defaultWaitTimeout
	if s := c.Query("timeout"); s != "" && msg == "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > maxWaitTimeout {
			msg = "timeout must be a duration from 0s to " + maxWaitTimeout.String() + " (10s, 1m), got " + strconv.Quote(s)
		}
		timeout = d
	}
	if msg != "" {
		httpkit.WriteError(c, http.StatusBadRequest, msg)
		return
	}
	q.Size = min(max(n, 1), maxWaitHits)
	httpkit.LateAnswer(c, timeout+time.Minute)

	ctx := c.Request.Context()
	stopping := a.shuttingDown(c.Request)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		changed := a.s.Index().Changed()
		res, err := a.s.Search(ctx, q)
		if err != nil {
			if ctx.Err() != nil {
				return // the client went away
			}
			a.searchFailed(c, err)
			return
		}
		done := res.Total >= uint64(n)
		timedOut := false
		if !done {
			a.waiting()
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				return
			case <-stopping:
				httpkit.WriteError(c, http.StatusServiceUnavailable, "plowbox is shutting down; retry once it is back")
				return
			case <-deadline.C:
				timedOut = true
			}
		}
		a.answerWait(c, res, n, timedOut)
		return
	}
}

func (a *nativeAPI) answerWait(c *gin.Context, res *index.Result, n int, timedOut bool) {
	hits, err := a.hits(res.Hits)
	if err != nil {
		c.Error(err)
		httpkit.WriteError(c, http.StatusInternalServerError, "reading records failed: "+err.Error())
		return
	}
	if len(hits) > n {
		hits = hits[:n]
	}
	status := http.StatusOK
	if timedOut {
		status = http.StatusRequestTimeout
	}
	b, _ := httpkit.Marshal(waitResponse{Matched: res.Total, Wanted: n, TimedOut: timedOut, Hits: hits})
	httpkit.WriteJSON(c, status, b)
}

// waiting tells the OnWait hook that a request blocks for new records.
func (a *nativeAPI) waiting() {
	if a.onWait != nil {
		a.onWait()
	}
}

// Tail settings.
const (
	tailHeartbeat = 15 * time.Second
	tailBatch     = 500
)

// tail is GET /plowbox/api/tail: a server-sent event stream of the records matching the
// query as they are indexed, oldest first, each as a data: line of JSON whose id is its
// sequence. It starts after the newest record (nothing old) unless since=<seq> or a
// Last-Event-ID header says where to resume, sends a heartbeat comment every 15 s, and
// ends when the client goes away or plowbox shuts down.
func (a *nativeAPI) tail(c *gin.Context) {
	q, msg := queryParams(c, time.Now())
	after := a.s.Store().LastSeq()
	resume := c.GetHeader("Last-Event-ID")
	if resume == "" {
		resume = c.Query("since")
	}
	if resume != "" && msg == "" {
		seq, err := strconv.ParseUint(resume, 10, 64)
		if err != nil {
			msg = "since (or Last-Event-ID) must be a record sequence number, got " + strconv.Quote(resume)
		}
		after = seq
	}
	if msg != "" {
		httpkit.WriteError(c, http.StatusBadRequest, msg)
		return
	}
	q.Sort = []index.Sort{{Field: "seq"}}
	q.Size = tailBatch

	// A malformed query is answered with a 400 before the stream starts.
	ctx := c.Request.Context()
	q.AfterSeq = after
	if _, err := a.s.Index().Search(ctx, q); err != nil {
		a.searchFailed(c, err)
		return
	}

	httpkit.LateAnswer(c, 0)
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	c.Writer.WriteString("retry: 1000\n: tailing after " + strconv.FormatUint(after, 10) + "\n\n")
	c.Writer.Flush()

	stopping := a.shuttingDown(c.Request)
	heartbeat := time.NewTicker(tailHeartbeat)
	defer heartbeat.Stop()
	for {
		changed := a.s.Index().Changed()
		next, err := a.sendNew(ctx, c, q, after)
		if err != nil {
			if ctx.Err() == nil {
				a.s.Log().Warn("live tail stopped", "err", err)
				c.Writer.WriteString("event: error\ndata: " + strconv.Quote(err.Error()) + "\n\n")
				c.Writer.Flush()
			}
			return
		}
		after = next
		a.waiting()
		select {
		case <-changed:
		case <-heartbeat.C:
			if _, err := c.Writer.WriteString(": heartbeat\n\n"); err != nil {
				return
			}
			c.Writer.Flush()
		case <-stopping:
			return // the client reconnects with Last-Event-ID
		case <-ctx.Done():
			return
		}
	}
}

// sendNew writes every matching record above after as an SSE message and returns the
// sequence of the last record sent (after when none).
func (a *nativeAPI) sendNew(ctx context.Context, c *gin.Context, q index.Query, after uint64) (uint64, error) {
	for {
		q.AfterSeq = after
		res, err := a.s.Search(ctx, q)
		if err != nil {
			return after, err
		}
		recs, err := a.s.Records(res.Hits)
		if err != nil {
			return after, err
		}
		for _, rec := range recs {
			b := appendHit(nil, rec)
			seq := strconv.FormatUint(rec.Seq, 10)
			if _, err := c.Writer.WriteString("id: " + seq + "\ndata: " + string(b) + "\n\n"); err != nil {
				return after, err
			}
		}
		for _, h := range res.Hits {
			after = max(after, h.Seq) // gone records are passed over too
		}
		if len(res.Hits) > 0 {
			c.Writer.Flush()
		}
		if len(res.Hits) < q.Size {
			return after, nil
		}
	}
}
