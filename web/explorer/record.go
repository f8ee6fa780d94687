package explorer

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
	"github.com/plowbox/plowbox/ui"
	"github.com/plowbox/plowbox/web/search"
)

// failureSchemaPrefix starts the schema URI of the failure entity of incomplete events.
const failureSchemaPrefix = "iglu:com.snowplowanalytics.snowplow/failure/jsonschema/"

// record serves one record's page.
func (x *explorer) record(c *gin.Context) {
	seq, err := strconv.ParseUint(c.Param("seq"), 10, 64)
	if err != nil {
		x.fail(c, http.StatusNotFound, "No such record", "Record numbers are whole numbers, as in the explorer's links.")
		return
	}
	rec, ok, err := x.o.Store.Get(seq)
	if err != nil {
		x.internal(c, "reading record "+c.Param("seq"), err)
		return
	}
	if !ok {
		x.fail(c, http.StatusNotFound, "No such record", "Record "+c.Param("seq")+" does not exist: it may have been removed by a reset or by retention.")
		return
	}
	v := x.recordView(c, rec)
	nav := ui.NavEvents
	if v.Kind != index.KindGood {
		nav = ui.NavBad
	}
	renderUI(c, http.StatusOK, ui.RecordPage(x.shell(c, v.Title, nav), v))
}

// recordView gathers everything the record page shows.
func (x *explorer) recordView(c *gin.Context, rec *store.Record) ui.RecordView {
	v := ui.RecordView{Seq: rec.Seq, Kind: search.KindOf(rec)}
	cl := newCells(rec)
	v.Time = cl.get("time")
	var bad *badRow
	if rec.BadRow != nil {
		bad = parseBadRow(rec.BadRow)
		v.Failure = &ui.Failure{Type: bad.Type, Messages: bad.Messages, Paths: bad.Paths,
			Data: ui.PrettyJSON(rec.BadRow, bad.Paths)}
		v.Title = bad.Type
		v.JSON = string(rec.BadRow)
	}
	if p := rec.Payload; p != nil {
		v.Request = requestView(p)
		v.Curl = curlCommand(p, baseURL(c.Request))
	}
	if rec.Raw != nil {
		var names []string
		if bad != nil {
			names = bad.Paths
		}
		for _, p := range rec.Raw.Params {
			kv := ui.KV{Name: p.Name}
			if p.Value != nil {
				kv.Value = *p.Value
			}
			kv.Hi = slices.Contains(names, p.Name)
			v.Params = append(v.Params, kv)
		}
	}
	if e := rec.Event; e != nil {
		v.Title = eventTitle(e)
		v.Fields = eventFields(e)
		v.Entities = entities(e)
		v.JSON = string(e.AppendSDKJSON(nil))
		v.TSV = string(e.TSV())
		v.Duplicates = x.duplicates(c, rec)
	}
	if v.Title == "" {
		v.Title = "record " + strconv.FormatUint(rec.Seq, 10)
	}
	return v
}

// eventTitle names an event: its event_name, else its event type.
func eventTitle(e *event.Event) string {
	if n := e.Get(event.EventName); n != "" {
		return n
	}
	return e.Get(event.EventType)
}

// eventFields lists the non-null atomic fields of e in canonical order.
func eventFields(e *event.Event) []ui.KV {
	var out []ui.KV
	for f := range event.NumFields {
		fi := event.Fields[f]
		if fi.Kind == event.KindContexts || fi.Kind == event.KindUnstruct || !e.IsSet(event.Field(f)) {
			continue
		}
		out = append(out, ui.KV{Name: fi.SDKName, Value: e.Get(event.Field(f))})
	}
	return out
}

// sDJ is a self-describing JSON as stored in the event's JSON fields.
type sDJ struct {
	Schema string          `json:"schema"`
	Data   json.RawMessage `json:"data"`
}

// failureEntity is the data of the failure entity of incomplete events.
type failureEntity struct {
	Errors []struct {
		Message string `json:"message"`
		Source  string `json:"source"`
		Path    string `json:"path"`
	} `json:"errors"`
	Schema *string         `json:"schema"`
	Data   json.RawMessage `json:"data"`
}

// entities lists e's self-describing event, its entities and derived entities, then the
// data that failed validation (from the failure entities) with the errors about it.
func entities(e *event.Event) []ui.Entity {
	var out, failed []ui.Entity
	if s := e.Get(event.UnstructEvent); s != "" {
		var u sDJ
		if json.Unmarshal([]byte(s), &u) == nil {
			out = append(out, ui.Entity{Role: "event", Schema: u.Schema, Data: ui.PrettyJSON(u.Data, nil), Valid: true})
		}
	}
	for _, src := range []struct {
		f    event.Field
		role string
	}{{event.Contexts, "entity"}, {event.DerivedContexts, "derived entity"}} {
		var list []sDJ
		if s := e.Get(src.f); s == "" || json.Unmarshal([]byte(s), &list) != nil {
			continue
		}
		for _, en := range list {
			out = append(out, ui.Entity{Role: src.role, Schema: en.Schema, Data: ui.PrettyJSON(en.Data, nil), Valid: true})
			if !strings.HasPrefix(en.Schema, failureSchemaPrefix) {
				continue
			}
			var fe failureEntity
			if json.Unmarshal(en.Data, &fe) != nil || fe.Schema == nil || len(fe.Data) == 0 || string(fe.Data) == "null" {
				continue
			}
			bad := ui.Entity{Role: "rejected " + failureSource(fe), Schema: *fe.Schema}
			var paths []string
			for _, er := range fe.Errors {
				bad.Errors = append(bad.Errors, er.Message)
				if er.Path != "" {
					paths = append(paths, er.Path)
				}
			}
			bad.Data = ui.PrettyJSON(fe.Data, paths)
			failed = append(failed, bad)
		}
	}
	return append(failed, out...)
}

// failureSource names what a failure entity's data was: the event or an entity.
func failureSource(fe failureEntity) string {
	for _, er := range fe.Errors {
		if er.Source == "unstruct" {
			return "event"
		}
	}
	return "entity"
}

// duplicates links the other records that carry rec's event_id.
func (x *explorer) duplicates(c *gin.Context, rec *store.Record) []ui.Link {
	id := rec.Event.Get(event.EventID)
	if id == "" {
		return nil
	}
	res, err := x.o.Index.Search(c.Request.Context(), index.Query{
		Filters: []index.Filter{{Field: "event_id", Values: []string{id}}}, Size: 20})
	if err != nil {
		x.o.Logger.Warn("explorer: look up duplicates", "event_id", id, "err", err)
		return nil
	}
	var out []ui.Link
	for _, h := range res.Hits {
		if h.Seq != rec.Seq {
			n := strconv.FormatUint(h.Seq, 10)
			out = append(out, ui.Link{Label: "record " + n + " (" + h.Kind + ")", Href: ui.Base + "/records/" + n})
		}
	}
	return out
}

// requestView describes the collector request of a payload.
func requestView(p *collector.Payload) ui.Request {
	r := ui.Request{Method: http.MethodGet, Path: p.Path, Query: p.Querystring, IP: p.IPAddress,
		Time: p.Timestamp.UTC().Format("2006-01-02 15:04:05.000 UTC"), Headers: p.Headers}
	if p.Body != nil {
		r.Method, r.Body = http.MethodPost, *p.Body
		if json.Valid([]byte(r.Body)) {
			r.BodyJSON = ui.PrettyJSON([]byte(r.Body), nil)
		}
	}
	if p.ContentType != nil {
		r.ContentType = *p.ContentType
	}
	return r
}

// baseURL is the scheme and host the browser used to reach this plowbox.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// curlCommand rebuilds the tracker request of p as a curl command against base.
func curlCommand(p *collector.Payload, base string) string {
	u := base + p.Path
	if p.Querystring != "" {
		u += "?" + p.Querystring
	}
	parts := []string{"curl", "-i"}
	if p.UserAgent != nil {
		parts = append(parts, "-A", shellQuote(*p.UserAgent))
	}
	if p.Body != nil {
		ct := "application/json"
		if p.ContentType != nil {
			ct = *p.ContentType
		}
		parts = append(parts, "-H", shellQuote("Content-Type: "+ct), "--data-raw", shellQuote(*p.Body))
	}
	return strings.Join(append(parts, shellQuote(u)), " ")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
