package queryapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/httpkit"
	"github.com/plowbox/plowbox/web/search"
)

// RecordDetail is everything plowbox knows about one record, for debugging: the request
// it came from, the tracker parameters, the enriched event and the bad row.
type RecordDetail struct {
	Seq        uint64          `json:"seq"`
	PayloadSeq uint64          `json:"payload_seq"`
	Kind       string          `json:"kind"`
	Stage      string          `json:"stage"`
	Time       *string         `json:"time"`
	EventID    *string         `json:"event_id"`
	Request    *RequestDetail  `json:"request"`
	Raw        *RawDetail      `json:"raw"`
	Event      json.RawMessage `json:"event"`
	TSV        *string         `json:"tsv"`
	BadRow     json.RawMessage `json:"bad_row"`
	Run        *string         `json:"run"`
	Plan       json.RawMessage `json:"plan"` // the tracking-plan verdict (internal/plans); null when not checked
}

// RequestDetail is the collector payload: the tracker's HTTP request as stored.
type RequestDetail struct {
	// Method is inferred: the collector stores a body for POST requests only.
	Method        string   `json:"method"`
	Path          string   `json:"path"`
	Querystring   string   `json:"querystring"`
	Body          *string  `json:"body"`
	ContentType   *string  `json:"content_type"`
	Headers       []string `json:"headers"`
	IPAddress     string   `json:"ip_address"`
	UserAgent     *string  `json:"user_agent"`
	Referer       *string  `json:"referer"`
	Hostname      *string  `json:"hostname"`
	NetworkUserID *string  `json:"network_userid"`
	Collector     string   `json:"collector"`
	Timestamp     string   `json:"timestamp"`
}

// RawDetail is the event as the adapter extracted it: the tracker parameters in the
// order received, duplicates kept.
type RawDetail struct {
	Vendor     string       `json:"vendor"`
	Version    string       `json:"version"`
	Parameters []ParamEntry `json:"parameters"`
}

// ParamEntry is one tracker parameter as the adapter read it.
type ParamEntry struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

func requestDetailOf(p *collector.Payload) *RequestDetail {
	if p == nil {
		return nil
	}
	method := http.MethodGet
	if p.Body != nil {
		method = http.MethodPost
	}
	headers := p.Headers
	if headers == nil {
		headers = []string{}
	}
	return &RequestDetail{
		Method: method, Path: p.Path, Querystring: p.Querystring, Body: p.Body, ContentType: p.ContentType,
		Headers: headers, IPAddress: p.IPAddress, UserAgent: p.UserAgent, Referer: p.RefererURI,
		Hostname: p.Hostname, NetworkUserID: p.NetworkUserID, Collector: p.Collector, Timestamp: httpkit.ISOTime(p.Timestamp),
	}
}

func detailOf(rec *store.Record) RecordDetail {
	d := RecordDetail{
		Seq: rec.Seq, PayloadSeq: rec.PayloadSeq, Kind: search.KindOf(rec), Stage: search.StageNames[rec.Stage],
		Time: recordTime(rec), Request: requestDetailOf(rec.Payload),
	}
	if r := rec.Raw; r != nil {
		d.Raw = &RawDetail{Vendor: r.Vendor, Version: r.Version, Parameters: make([]ParamEntry, len(r.Params))}
		for i, p := range r.Params {
			d.Raw.Parameters[i] = ParamEntry(p)
		}
	}
	if ev := rec.Event; ev != nil {
		d.EventID = nullable(ev.Get(event.EventID))
		d.Event = ev.AppendSDKJSON(nil)
		tsv := string(ev.TSV())
		d.TSV = &tsv
	} else {
		d.Event = json.RawMessage("null")
	}
	d.BadRow = json.RawMessage("null")
	if len(rec.BadRow) > 0 {
		d.BadRow = rec.BadRow
	}
	d.Run, d.Plan = nullable(rec.Run), planOf(rec)
	return d
}

// writeDetails answers a list of records in the detail form.
func writeDetails(c *gin.Context, status int, v any) {
	b, err := httpkit.Marshal(v)
	if err != nil {
		c.Error(err)
		httpkit.WriteError(c, http.StatusInternalServerError, "rendering records failed: "+err.Error())
		return
	}
	httpkit.WriteJSON(c, status, b)
}

// record is GET /plowbox/api/records/{seq}: one record in full.
func (a *nativeAPI) record(c *gin.Context) {
	s := c.Param("seq")
	seq, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		httpkit.WriteError(c, http.StatusBadRequest, "a record sequence is a positive whole number, got "+strconv.Quote(s))
		return
	}
	rec, ok, err := a.st.Get(seq)
	switch {
	case err != nil:
		c.Error(err)
		httpkit.WriteError(c, http.StatusInternalServerError, "reading record "+s+" failed: "+err.Error())
	case !ok:
		httpkit.WriteError(c, http.StatusNotFound, "no record "+s+" (deleted by a reset or retention, or not written yet)")
	default:
		writeDetails(c, http.StatusOK, detailOf(rec))
	}
}

// maxEventRecords caps the records listed for one event_id.
const maxEventRecords = 1000

// eventByID is GET /plowbox/api/events/{event_id}: every record carrying that event_id,
// oldest first, duplicates kept (a tracker retrying, or an id reused by mistake). It reads
// the store's event_id listing, written with the records, never the search index.
func (a *nativeAPI) eventByID(c *gin.Context) {
	id := c.Param("event_id")
	seqs, err := a.st.EventRecords(id, maxEventRecords)
	var recs []*store.Record
	for _, seq := range seqs {
		if err != nil {
			break
		}
		var rec *store.Record
		var ok bool
		if rec, ok, err = a.st.Get(seq); ok {
			recs = append(recs, rec)
		}
	}
	if err != nil {
		c.Error(err)
		httpkit.WriteError(c, http.StatusInternalServerError, "reading records failed: "+err.Error())
		return
	}
	if len(recs) == 0 {
		httpkit.WriteError(c, http.StatusNotFound, "no record with event_id "+strconv.Quote(id))
		return
	}
	out := struct {
		EventID string         `json:"event_id"`
		Records []RecordDetail `json:"records"`
	}{EventID: id}
	for _, rec := range recs {
		out.Records = append(out.Records, detailOf(rec))
	}
	writeDetails(c, http.StatusOK, out)
}

// nullable is nil for an empty string.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// planOf is a record's tracking-plan verdict, null when it was not checked.
func planOf(rec *store.Record) json.RawMessage {
	if len(rec.Plan) == 0 {
		return json.RawMessage("null")
	}
	return rec.Plan
}
