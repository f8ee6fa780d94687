package queryapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/web/httpkit"
	"github.com/plowbox/plowbox/web/search"
)

// Replayer is the store as the replay endpoints use it; *store.Store implements it.
type Replayer interface {
	// Replay re-runs the given bad rows and replaces each by its outcome.
	Replay(ctx context.Context, rp store.Reprocessor, seqs []uint64) (store.ReplayResult, error)
	// BadSeqs lists every stored bad row.
	BadSeqs() ([]uint64, error)
}

// ReplayOptions configures the replay endpoints: POST /plowbox/api/replay and the
// control-plane verb POST /control-plane/replay. Both need the admin role (the auth
// policy lists them).
type ReplayOptions struct {
	// Store holds the bad rows and takes their replacements.
	Store Replayer
	// Reprocessor returns what re-runs the bad rows: the pipeline's current enricher,
	// the one a fixed schema or enrichment configuration has just been loaded into, and
	// what the pipeline adds to each result (pipeline.Pipeline.Reprocessor).
	Reprocessor func() store.Reprocessor
}

// replayRequest is the body of POST /plowbox/api/replay.
type replayRequest struct {
	Q   string `json:"q"`   // replay the bad rows this search matches
	All bool   `json:"all"` // replay every bad row
}

// replayRecord is one record a replay produced, in the answer.
type replayRecord struct {
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
	Kind string `json:"kind"`
}

// replayAnswer is the answer of POST /plowbox/api/replay.
type replayAnswer struct {
	Replayed int            `json:"replayed"`
	Good     int            `json:"good"`
	StillBad int            `json:"still_bad"`
	Dropped  int            `json:"dropped"`
	Skipped  int            `json:"skipped"`
	Records  []replayRecord `json:"records"`
}

// replayer serves the replay endpoints.
type replayer struct {
	o ReplayOptions
	s *search.Searcher // nil without an index: only "all" is possible
}

// maxReplayBody bounds the JSON body of a replay request.
const maxReplayBody = 64 << 10

// ReplayHandlers returns the handlers of POST /plowbox/api/replay (JSON) and
// /control-plane/replay (a form, Mini's text answers); s is nil without an index, when
// only "all" is possible.
func ReplayHandlers(o ReplayOptions, s *search.Searcher) (api, controlPlane gin.HandlerFunc) {
	rp := &replayer{o: o, s: s}
	return rp.api, rp.controlPlane
}

// api serves POST /plowbox/api/replay: {"q": "…"} or {"all": true} in, counts and the
// records produced out.
func (rp *replayer) api(c *gin.Context) {
	var req replayRequest
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxReplayBody))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		httpkit.WriteError(c, http.StatusBadRequest, `the body must be JSON: {"q": "<search>"} or {"all": true} (`+err.Error()+`)`)
		return
	}
	res, status, msg := rp.replay(c.Request.Context(), req)
	if msg != "" {
		httpkit.WriteError(c, status, msg)
		return
	}
	ans := replayAnswer{Replayed: res.Replayed, Good: res.Good, StillBad: res.StillBad, Dropped: res.Dropped,
		Skipped: res.Skipped, Records: make([]replayRecord, 0, len(res.Records))}
	for _, r := range res.Records {
		ans.Records = append(ans.Records, replayRecord{From: r.From, To: r.To, Kind: stageKind(r.Stage)})
	}
	b, err := httpkit.Marshal(ans)
	if err != nil {
		c.Error(err)
		httpkit.WriteError(c, http.StatusInternalServerError, err.Error())
		return
	}
	httpkit.WriteJSON(c, http.StatusOK, b)
}

// controlPlane serves POST /control-plane/replay: form fields q or all=true in, a line of
// text out, as Mini's control-plane verbs answer.
func (rp *replayer) controlPlane(c *gin.Context) {
	f, ok := httpkit.MethodForm(c, http.StatusMethodNotAllowed, "Only POST is supported", http.MethodPost)
	if !ok {
		return
	}
	req := replayRequest{Q: f.Get("q")}
	if v := f.Get("all"); v != "" {
		all, err := strconv.ParseBool(v)
		if err != nil {
			httpkit.Text(c, http.StatusBadRequest, "all must be true or false, got "+strconv.Quote(v))
			return
		}
		req.All = all
	}
	res, status, msg := rp.replay(c.Request.Context(), req)
	if msg != "" {
		httpkit.Text(c, status, msg)
		return
	}
	httpkit.Text(c, http.StatusOK, fmt.Sprintf("replayed %d: %d good, %d still bad", res.Replayed, res.Good, res.StillBad))
}

// replay finds the bad rows req names and replays them. A non-empty msg is the error to
// answer with status.
func (rp *replayer) replay(ctx context.Context, req replayRequest) (res store.ReplayResult, status int, msg string) {
	var seqs []uint64
	var err error
	switch {
	case req.All && req.Q != "":
		return res, http.StatusBadRequest, `give either q (a search) or all=true, not both`
	case req.All:
		if seqs, err = rp.o.Store.BadSeqs(); err != nil {
			return res, http.StatusInternalServerError, err.Error()
		}
	case req.Q == "":
		return res, http.StatusBadRequest, `say which bad rows to replay: q (a search, e.g. q=schema:"iglu:com.acme/checkout/jsonschema/1-0-0") or all=true`
	case rp.s == nil:
		return res, http.StatusServiceUnavailable, "replaying by search needs plowbox's search index, which is not enabled: replay all=true instead"
	default:
		if seqs, err = rp.find(ctx, req.Q); err != nil {
			if search.IsQueryError(err) {
				return res, http.StatusBadRequest, err.Error()
			}
			return res, http.StatusInternalServerError, "search failed: " + err.Error()
		}
	}
	res, err = rp.o.Store.Replay(ctx, rp.o.Reprocessor(), seqs)
	if err != nil {
		return res, http.StatusInternalServerError, err.Error()
	}
	return res, 0, ""
}

// find returns the sequences of the incomplete events and bad rows matching q.
func (rp *replayer) find(ctx context.Context, q string) ([]uint64, error) {
	return index.AllSeqs(ctx, rp.s.Search, index.Query{Q: q, Kinds: []string{index.KindIncomplete, index.KindBad}, Size: maxSearchSize})
}

// stageKind is the index kind of a record of stage st.
func stageKind(st enrich.Stage) string {
	switch st {
	case enrich.StageGood:
		return index.KindGood
	case enrich.StageValidation:
		return index.KindIncomplete
	}
	return index.KindBad
}
