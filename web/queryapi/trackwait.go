package queryapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/plowbox/plowbox/web/httpkit"
)

// writtenKey is the context key of a track-and-wait request's record list.
type writtenKey struct{}

// writtenSeqs collects the sequences of the records stored for one tracker request.
type writtenSeqs struct {
	mu   sync.Mutex
	seqs []uint64
}

// NoteWritten tells a POST /plowbox/api/track-and-wait request, when ctx comes from one,
// that n records starting at sequence first were stored for its payload. The collector's
// sink calls it after each store write; for any other request it does nothing.
func NoteWritten(ctx context.Context, first uint64, n int) {
	w, ok := ctx.Value(writtenKey{}).(*writtenSeqs)
	if !ok || n <= 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range uint64(n) {
		w.seqs = append(w.seqs, first+i)
	}
}

// trackRequest describes the tracker request POST /plowbox/api/track-and-wait sends.
type trackRequest struct {
	// Method is GET or POST; it defaults to POST with a body and GET without.
	Method string `json:"method"`
	// Path is the collector path, such as /i or /com.snowplowanalytics.snowplow/tp2.
	Path string `json:"path"`
	// Query is the query string, raw ("e=pv&aid=shop") or as an object of strings.
	Query json.RawMessage `json:"query"`
	// Headers are request headers; Content-Type defaults to application/json for a JSON
	// body.
	Headers map[string]string `json:"headers"`
	// Body is the request body, a string sent as is or any other JSON value sent as JSON.
	Body json.RawMessage `json:"body"`
}

// trackResponse is the answer of POST /plowbox/api/track-and-wait: what the collector
// answered, and the records the request produced.
type trackResponse struct {
	Status     int            `json:"status"`
	Headers    http.Header    `json:"headers"`
	Body       *string        `json:"body,omitempty"`
	BodyBase64 *string        `json:"body_base64,omitempty"`
	Records    []RecordDetail `json:"records"`
}

// maxCapturedBody caps the collector response body kept for the answer.
const maxCapturedBody = 64 << 10

// capture is an http.ResponseWriter that keeps the collector's response.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *capture) Header() http.Header { return w.header }

func (w *capture) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *capture) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if room := maxCapturedBody - w.body.Len(); room > 0 {
		w.body.Write(b[:min(len(b), room)])
	}
	return len(b), nil
}

// trackAndWait is POST /plowbox/api/track-and-wait: it runs the
// described tracker request through the collector in-process and answers with the
// collector's response and every record the request produced (good events, incomplete
// events, bad rows), in order. The collector answers only once they are stored, so the
// answer is complete.
func (a *nativeAPI) trackAndWait(c *gin.Context) {
	var tr trackRequest
	if status, msg := httpkit.ReadJSONBody(c, &tr); status != 0 {
		httpkit.WriteError(c, status, msg)
		return
	}
	req, err := tr.build(c.Request)
	if err != nil {
		httpkit.WriteError(c, http.StatusBadRequest, err.Error())
		return
	}
	written := new(writtenSeqs)
	req = req.WithContext(context.WithValue(c.Request.Context(), writtenKey{}, written))
	w := &capture{header: make(http.Header)}
	a.collector.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}

	out := trackResponse{Status: w.status, Headers: w.header, Records: []RecordDetail{}}
	if body := w.body.Bytes(); len(body) > 0 {
		if utf8.Valid(body) && !strings.HasPrefix(w.header.Get("Content-Type"), "image/") {
			s := string(body)
			out.Body = &s
		} else {
			s := base64.StdEncoding.EncodeToString(body)
			out.BodyBase64 = &s
		}
	}
	written.mu.Lock()
	seqs := slices.Clone(written.seqs)
	written.mu.Unlock()
	slices.Sort(seqs)
	for _, seq := range seqs {
		rec, ok, err := a.st.Get(seq)
		if err != nil {
			c.Error(err)
			httpkit.WriteError(c, http.StatusInternalServerError, fmt.Sprintf("reading record %d failed: %v", seq, err))
			return
		}
		if ok {
			out.Records = append(out.Records, detailOf(rec))
		}
	}
	writeDetails(c, http.StatusOK, out)
}

// build turns the description into an HTTP request to the collector, from the caller's
// address.
func (tr *trackRequest) build(from *http.Request) (*http.Request, error) {
	path, rawQuery, _ := strings.Cut(tr.Path, "?")
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("path must be a collector path such as /i or /com.snowplowanalytics.snowplow/tp2, got %q", tr.Path)
	}
	if httpkit.Reserved(path) {
		return nil, fmt.Errorf("path %s belongs to plowbox, not to the collector", path)
	}
	q, err := queryOf(tr.Query)
	if err != nil {
		return nil, err
	}
	if q != "" {
		if rawQuery != "" {
			rawQuery += "&"
		}
		rawQuery += q
	}

	var body []byte
	jsonBody := false
	switch b := bytes.TrimSpace(tr.Body); {
	case len(b) == 0 || string(b) == "null":
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		body = []byte(s)
	default:
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		body, jsonBody = buf.Bytes(), true
	}

	method := strings.ToUpper(tr.Method)
	switch {
	case method == "" && body != nil:
		method = http.MethodPost
	case method == "":
		method = http.MethodGet
	case method != http.MethodGet && method != http.MethodPost:
		return nil, fmt.Errorf("method must be GET or POST, got %q", tr.Method)
	}

	u := &url.URL{Scheme: "http", Host: from.Host, Path: path, RawQuery: rawQuery}
	req, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.RemoteAddr = from.RemoteAddr
	keys := make([]string, 0, len(tr.Headers))
	for k := range tr.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.EqualFold(k, "Host") {
			req.Host = tr.Headers[k]
			continue
		}
		req.Header.Add(k, tr.Headers[k])
	}
	if jsonBody && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	}
	return req, nil
}

// queryOf renders the query of a track request: a raw string as is, an object of strings
// as name=value pairs in the object's order.
func queryOf(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("query: %w", err)
		}
		return strings.TrimPrefix(s, "?"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", fmt.Errorf(`query must be a string ("e=pv&aid=shop") or an object of strings ({"e":"pv"})`)
	}
	var b strings.Builder
	for dec.More() {
		name, err := dec.Token()
		if err != nil {
			return "", fmt.Errorf("query: %w", err)
		}
		var value string
		if err := dec.Decode(&value); err != nil {
			return "", fmt.Errorf("query: the value of %q must be a string", name)
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(name.(string)) + "=" + url.QueryEscape(value))
	}
	return b.String(), nil
}
