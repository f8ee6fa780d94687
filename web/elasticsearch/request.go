package elasticsearch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/store/index"
)

// Limits of a search, as Elasticsearch 7 has them by default.
const (
	defaultSize     = 10     // hits when size is not given
	maxResultWindow = 10_000 // index.max_result_window: from + size may not exceed it
	defaultTrack    = 10_000 // track_total_hits: totals above it are "gte"
	maxBodyBytes    = 1 << 20
	seqField        = "seq" // the record sequence in the search index: arrival order
)

// searchRequest is one _search or _count, from the URI parameters and the JSON body.
type searchRequest struct {
	q          string       // the query string; "" matches everything
	size, from int          // the page
	sort       []index.Sort // nil: newest first
	track      int          // track_total_hits: count exactly up to this many; -1 for no total
	totalAsInt bool         // rest_total_hits_as_int: hits.total as a number (6.x clients)
}

// requestError is a malformed search: Elasticsearch's type and reason, answered 400.
type requestError struct {
	typ, reason string
}

func (e *requestError) Error() string { return e.reason }

func badRequest(typ, format string, args ...any) error {
	return &requestError{typ: typ, reason: fmt.Sprintf(format, args...)}
}

// searchBody is the JSON body of a search (Elasticsearch's request body search):
// {"query":{"query_string":{"query":…}},"size":…,"from":…,"sort":…}.
type searchBody struct {
	Query          map[string]json.RawMessage `json:"query"`
	Size           *int                       `json:"size"`
	From           *int                       `json:"from"`
	Sort           json.RawMessage            `json:"sort"`
	TrackTotalHits json.RawMessage            `json:"track_total_hits"`
}

// parseSearch reads a search from c: the URI parameters q, size, from, sort,
// track_total_hits and rest_total_hits_as_int, then the JSON body, if any. A body
// value and a URI parameter for the same thing: the URI parameter wins, as in
// Elasticsearch.
func parseSearch(c *gin.Context) (searchRequest, error) {
	r := searchRequest{size: defaultSize, track: defaultTrack}
	body, err := readBody(c)
	if err != nil {
		return r, err
	}
	if len(body) > 0 {
		var b searchBody
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&b); err != nil {
			return r, badRequest("parsing_exception", "the request body is not a search: %v", err)
		}
		if r.q, err = queryOf(b.Query); err != nil {
			return r, err
		}
		if b.Size != nil {
			r.size = *b.Size
		}
		if b.From != nil {
			r.from = *b.From
		}
		if len(b.Sort) > 0 {
			if r.sort, err = bodySort(b.Sort); err != nil {
				return r, err
			}
		}
		if len(b.TrackTotalHits) > 0 {
			if r.track, err = trackTotal(string(b.TrackTotalHits)); err != nil {
				return r, err
			}
		}
	}
	params := c.Request.URL.Query()
	if v, ok := params["q"]; ok {
		r.q = matchAll(v[0])
	}
	for name, dst := range map[string]*int{"size": &r.size, "from": &r.from} {
		if v := params.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return r, badRequest("illegal_argument_exception", "Failed to parse int parameter [%s] with value [%s]", name, v)
			}
			*dst = n
		}
	}
	if v := params.Get("sort"); v != "" {
		r.sort = nil
		for _, part := range strings.Split(v, ",") {
			field, dir, _ := strings.Cut(part, ":")
			if err := r.addSort(field, dir); err != nil {
				return r, err
			}
		}
	}
	if v := params.Get("track_total_hits"); v != "" {
		if r.track, err = trackTotal(v); err != nil {
			return r, err
		}
	}
	r.totalAsInt = params.Get("rest_total_hits_as_int") == "true"
	switch {
	case r.size < 0:
		return r, badRequest("illegal_argument_exception", "[size] parameter cannot be negative, found [%d]", r.size)
	case r.from < 0:
		return r, badRequest("illegal_argument_exception", "[from] parameter cannot be negative, found [%d]", r.from)
	case r.from+r.size > maxResultWindow:
		return r, badRequest("illegal_argument_exception",
			"Result window is too large, from + size must be less than or equal to: [%d] but was [%d]. For deeper pages, page through /plowbox/api/search with its after cursor.",
			maxResultWindow, r.from+r.size)
	}
	return r, nil
}

// readBody returns the request body, at most maxBodyBytes of it.
func readBody(c *gin.Context) ([]byte, error) {
	if c.Request.Body == nil || c.Request.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, badRequest("illegal_argument_exception", "the request body is over %d bytes", maxBodyBytes)
	case err != nil:
		return nil, badRequest("illegal_argument_exception", "read the request body: %v", err)
	}
	return bytes.TrimSpace(body), nil
}

// matchAll maps Elasticsearch's match-everything query strings to plowbox's empty one.
func matchAll(q string) string {
	switch strings.TrimSpace(q) {
	case "*", "*:*":
		return ""
	}
	return q
}

// queryOf returns the query string of a body's query: query_string (its "query"), or
// match_all. Other query types are refused by name.
func queryOf(q map[string]json.RawMessage) (string, error) {
	if len(q) == 0 {
		return "", nil
	}
	if len(q) > 1 {
		return "", badRequest("parsing_exception", "[query] holds more than one query: wrap them in a query_string with AND / OR")
	}
	for typ, raw := range q {
		switch typ {
		case "match_all":
			return "", nil
		case "query_string":
			var qs struct {
				Query *string `json:"query"`
			}
			if err := json.Unmarshal(raw, &qs); err != nil || qs.Query == nil {
				return "", badRequest("parsing_exception", "[query_string] needs a \"query\" string")
			}
			return matchAll(*qs.Query), nil
		default:
			return "", badRequest("parsing_exception",
				"unknown query [%s]: plowbox answers query_string (Lucene syntax, through plowbox's query parser) and match_all", typ)
		}
	}
	return "", nil
}

// bodySort reads a body's sort: "field", "field:desc", {"field":"desc"},
// {"field":{"order":"desc"}}, or an array of those.
func bodySort(raw json.RawMessage) ([]index.Sort, error) {
	var items []json.RawMessage
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, badRequest("parsing_exception", "[sort] is not an array of sort keys: %v", err)
		}
	} else {
		items = []json.RawMessage{raw}
	}
	var r searchRequest
	for _, item := range items {
		var s string
		if json.Unmarshal(item, &s) == nil {
			field, dir, _ := strings.Cut(s, ":")
			if err := r.addSort(field, dir); err != nil {
				return nil, err
			}
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(item, &obj); err != nil || len(obj) != 1 {
			return nil, badRequest("parsing_exception", "[sort] key %s is not a field name or {\"field\":{\"order\":\"asc|desc\"}}", item)
		}
		for field, spec := range obj {
			var dir string
			if json.Unmarshal(spec, &dir) != nil {
				var o struct {
					Order string `json:"order"`
				}
				if err := json.Unmarshal(spec, &o); err != nil {
					return nil, badRequest("parsing_exception", "[sort] of [%s] is not \"asc\", \"desc\" or {\"order\":…}", field)
				}
				dir = o.Order
			}
			if err := r.addSort(field, dir); err != nil {
				return nil, err
			}
		}
	}
	return r.sort, nil
}

// addSort adds one sort key. _score (relevance) adds nothing: hits come newest first
// unless sorted otherwise; _doc is arrival order. A field sorts ascending by default.
func (r *searchRequest) addSort(field, dir string) error {
	var desc bool
	switch dir {
	case "", "asc":
	case "desc":
		desc = true
	default:
		return badRequest("illegal_argument_exception", "Unknown sort order [%s] for [%s]: use asc or desc", dir, field)
	}
	switch field {
	case "", "_score":
		return nil
	case "_doc":
		field = seqField
	}
	r.sort = append(r.sort, index.Sort{Field: field, Desc: desc})
	return nil
}

// trackTotal reads track_total_hits: true (count exactly), false (no total) or a
// threshold.
func trackTotal(v string) (int, error) {
	switch v {
	case "true":
		return int(^uint(0) >> 1), nil
	case "false":
		return -1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badRequest("illegal_argument_exception", "[track_total_hits] must be true, false or a number of hits, not [%s]", v)
	}
	return n, nil
}
