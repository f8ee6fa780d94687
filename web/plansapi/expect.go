package plansapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/internal/expect"
	"github.com/plowbox/plowbox/store/index"
)

// maxExpectTimeout bounds a server-side evaluation, as /plowbox/api/wait is bounded.
const maxExpectTimeout = 5 * time.Minute

// Source is the expect.Source of this plowbox: its index and store, in process.
func (a *API) Source() expect.Source { return indexSource{a} }

type indexSource struct{ a *API }

// Search implements expect.Source.
func (s indexSource) Search(ctx context.Context, q string, size int) (int, []expect.Hit, error) {
	s.a.syncIndex(ctx)
	res, err := s.a.o.Index.Search(ctx, index.Query{Q: q, Size: size})
	if err != nil {
		return 0, nil, err
	}
	hits := make([]expect.Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		rec, ok, err := s.a.o.Store.Get(h.Seq)
		if err != nil {
			return 0, nil, err
		}
		if !ok {
			continue
		}
		eh := expect.Hit{Seq: rec.Seq, Kind: h.Kind, BadRow: rec.BadRow}
		if ev := rec.Event; ev != nil {
			eh.EventID = ev.Get(event.EventID)
			dec := json.NewDecoder(bytes.NewReader(ev.AppendLossyJSON(nil)))
			dec.UseNumber()
			_ = dec.Decode(&eh.Event)
		}
		if v, ok := verdictOf(rec); ok {
			eh.Plan = &v
		}
		hits = append(hits, eh)
	}
	return int(res.Total), hits, nil
}

// Wait implements expect.Source: it re-counts after each indexed batch.
func (s indexSource) Wait(ctx context.Context, q string, n int, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		changed := s.a.o.Index.Changed()
		total, _, err := s.Search(ctx, q, 1)
		if err != nil || total >= n {
			return err
		}
		select {
		case <-changed:
		case <-deadline.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// expect is POST /plowbox/api/expect: the expectations document as JSON, evaluated
// here; it answers {"passed", "results"} once every expectation holds or the timeout
// (at most 5m) passes.
func (a *API) expect(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20))
	if err != nil {
		fail(c, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	doc, err := expect.ParseJSON(body)
	if err != nil {
		fail(c, http.StatusBadRequest, err.Error())
		return
	}
	timeout, _ := doc.TimeoutOr(expect.DefaultTimeout)
	if timeout > maxExpectTimeout {
		fail(c, http.StatusBadRequest, "timeout is at most "+maxExpectTimeout.String())
		return
	}
	rep, err := expect.Evaluate(c.Request.Context(), a.Source(), doc, doc.Run, timeout)
	if err != nil {
		if c.Request.Context().Err() != nil {
			return // the client went away
		}
		a.searchFailed(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}
