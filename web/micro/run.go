package micro

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/httpkit"
)

// A test run scopes the Micro endpoints: ?run=<id> keeps /micro/all, /micro/good and
// /micro/bad to the records of that run, and makes /micro/reset delete only them
// (internal/runs).

// inRun wraps a Micro filter with ?run=<id>, when the request has it.
func inRun(c *gin.Context, keep func(*store.Record) bool) func(*store.Record) bool {
	run, ok := c.GetQuery("run")
	if !ok {
		return keep
	}
	return func(rec *store.Record) bool {
		return rec.Run == run && (keep == nil || keep(rec))
	}
}

// runSeqs returns the counts and sequences of the records of run.
func (m *micro) runSeqs(run string) (store.Counts, []uint64, error) {
	var n store.Counts
	var seqs []uint64
	err := m.store.Good(func(rec *store.Record) bool {
		if rec.Run == run {
			n.Good++
			seqs = append(seqs, rec.Seq)
		}
		return true
	})
	if err != nil {
		return n, nil, err
	}
	err = m.store.Bad(func(rec *store.Record) bool {
		if rec.Run == run {
			n.Bad++
			if rec.Event != nil {
				n.Incomplete++
			}
			seqs = append(seqs, rec.Seq)
		}
		return true
	})
	return n, seqs, err
}

// runCounts is /micro/all?run=<id>.
func (m *micro) runCounts(c *gin.Context, run string) {
	n, _, err := m.runSeqs(run)
	if err != nil {
		c.Error(err)
		httpkit.WriteMessage(c, http.StatusInternalServerError, "reading events failed: "+err.Error())
		return
	}
	httpkit.WriteJSON(c, http.StatusOK, []byte(`{"total":`+strconv.Itoa(n.Good+n.Bad)+`,"good":`+strconv.Itoa(n.Good)+`,"bad":`+strconv.Itoa(n.Bad)+`}`))
}

// recordDeleter is a store that deletes records one by one (*store.Store).
type recordDeleter interface {
	DeleteRecords(ctx context.Context, seqs []uint64) error
}

// resetRun is /micro/reset?run=<id>: it deletes that run's records only.
func (m *micro) resetRun(c *gin.Context, run string) {
	del, ok := m.store.(recordDeleter)
	if !ok {
		httpkit.WriteMessage(c, http.StatusNotImplemented, "this store cannot delete one run")
		return
	}
	_, seqs, err := m.runSeqs(run)
	if err == nil {
		err = del.DeleteRecords(c.Request.Context(), seqs)
	}
	if err != nil {
		c.Error(err)
		httpkit.WriteMessage(c, http.StatusInternalServerError, "reset failed: "+err.Error())
		return
	}
	httpkit.WriteMessage(c, http.StatusOK, "Reset completed: "+strconv.Itoa(len(seqs))+" records of run "+run+" deleted")
}
