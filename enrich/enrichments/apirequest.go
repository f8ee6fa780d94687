package enrichments

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/theory/jsonpath"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// apiRequest is the api_request_enrichment_config enrichment: it fills the URI template
// with values taken from the event, calls the user's HTTP JSON API and attaches what the
// configured JSON paths find in the answer as derived contexts, one per output
// (https://docs.snowplow.io/docs/pipeline/enrichments/available-enrichments/custom-api-request-enrichment/).
type apiRequest struct {
	base
	keys          []string // input keys, in config order
	inputs        map[string][]input
	method        string
	uri           string
	user, pass    string
	basicAuth     bool
	client        *http.Client
	outputs       []apiOutput
	cache         *lookupCache[[]json.RawMessage]
	ignoreOnError bool
}

// apiOutput is one output: a schema and the JSON path of its data in the answer.
type apiOutput struct {
	schema string
	path   *jsonpath.Path
	raw    string
}

// apiRequestParams are the parameters of api_request_enrichment_config 1-0-*.
type apiRequestParams struct {
	Inputs *[]inputParams `json:"inputs"`
	API    *struct {
		HTTP *struct {
			Method         *string `json:"method"`
			URI            *string `json:"uri"`
			Timeout        *int    `json:"timeout"`
			Authentication *struct {
				HTTPBasic *struct {
					Username *string `json:"username"`
					Password *string `json:"password"`
				} `json:"httpBasic"`
			} `json:"authentication"`
		} `json:"http"`
	} `json:"api"`
	Outputs *[]struct {
		Schema *string `json:"schema"`
		JSON   *struct {
			JSONPath *string `json:"jsonPath"`
		} `json:"json"`
	} `json:"outputs"`
	Cache         *cacheParams `json:"cache"`
	IgnoreOnError bool         `json:"ignoreOnError"`
}

// templateKeyRe matches a {{key}} placeholder of the URI template.
var templateKeyRe = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}`)

// buildAPIRequest checks an api_request_enrichment_config config.
func buildAPIRequest(_ *builder, c *config) (enrich.Enrichment, error) {
	var p apiRequestParams
	if err := c.params(&p); err != nil {
		return nil, err
	}
	switch {
	case p.Inputs == nil:
		return nil, fieldErr("inputs", "is required")
	case p.API == nil || p.API.HTTP == nil:
		return nil, fieldErr("api.http", "is required")
	case p.Outputs == nil || len(*p.Outputs) == 0:
		return nil, fieldErr("outputs", "needs at least one output")
	}
	h := p.API.HTTP
	ar := &apiRequest{base: newBase(c, 23), inputs: map[string][]input{}, ignoreOnError: p.IgnoreOnError}
	for i, ip := range *p.Inputs {
		at := fmt.Sprintf("inputs[%d]", i)
		if ip.Key == nil || *ip.Key == "" {
			return nil, fieldErr(at+".key", "is required")
		}
		in, err := parseInput(at, ip)
		if err != nil {
			return nil, err
		}
		if _, seen := ar.inputs[*ip.Key]; !seen {
			ar.keys = append(ar.keys, *ip.Key)
		}
		ar.inputs[*ip.Key] = append(ar.inputs[*ip.Key], in)
	}
	if h.Method == nil || !slices.Contains([]string{"GET", "POST", "PUT"}, *h.Method) {
		return nil, fieldErr("api.http.method", "must be GET, POST or PUT")
	}
	ar.method = *h.Method
	if h.URI == nil {
		return nil, fieldErr("api.http.uri", "is required")
	}
	if u, err := url.Parse(templateKeyRe.ReplaceAllString(*h.URI, "x")); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fieldErr("api.http.uri", "must be an http(s) URI, not %q", *h.URI)
	}
	ar.uri = *h.URI
	if h.Timeout == nil || *h.Timeout <= 0 || *h.Timeout > 60000 {
		return nil, fieldErr("api.http.timeout", "must be 1 to 60000 milliseconds")
	}
	ar.client = &http.Client{Timeout: time.Duration(*h.Timeout) * time.Millisecond}
	if a := h.Authentication; a != nil && a.HTTPBasic != nil {
		ar.basicAuth = true
		if a.HTTPBasic.Username != nil {
			ar.user = *a.HTTPBasic.Username
		}
		if a.HTTPBasic.Password != nil {
			ar.pass = *a.HTTPBasic.Password
		}
	}
	for i, o := range *p.Outputs {
		at := fmt.Sprintf("outputs[%d]", i)
		if o.Schema == nil || !strings.HasPrefix(*o.Schema, "iglu:") {
			return nil, fieldErr(at+".schema", "must be an Iglu URI")
		}
		if o.JSON == nil || o.JSON.JSONPath == nil {
			return nil, fieldErr(at+".json.jsonPath", "is required")
		}
		path, err := jsonpath.Parse(*o.JSON.JSONPath)
		if err != nil {
			return nil, fieldErr(at+".json.jsonPath", "%q: %v", *o.JSON.JSONPath, err)
		}
		ar.outputs = append(ar.outputs, apiOutput{schema: *o.Schema, path: path, raw: *o.JSON.JSONPath})
	}
	cache, err := buildCache[[]json.RawMessage](p.Cache)
	if err != nil {
		return nil, err
	}
	ar.cache = cache
	return ar, nil
}

// Enrich implements enrich.Enrichment. When a placeholder of the URI has no value in
// the event, no request is made and no context is added.
func (ar *apiRequest) Enrich(ctx context.Context, e *event.Event, in *enrich.Input) ([]json.RawMessage, error) {
	values := map[string]string{}
	body := map[string]any{}
	for _, k := range ar.keys {
		for _, inp := range ar.inputs[k] {
			if v, ok := inp.value(e, in); ok {
				values[k] = valueString(v)
				body[k] = v
				break
			}
		}
	}
	missing := false
	uri := templateKeyRe.ReplaceAllStringFunc(ar.uri, func(m string) string {
		v, ok := values[templateKeyRe.FindStringSubmatch(m)[1]]
		if !ok {
			missing = true
		}
		return url.QueryEscape(v)
	})
	if missing {
		return nil, nil
	}
	var payload []byte
	if ar.method != http.MethodGet {
		payload, _ = marshalJSON(body)
	}
	key := ar.method + " " + uri + " " + string(payload)
	if ctxs, ok := ar.cache.get(key); ok {
		return ctxs, nil
	}
	ctxs, err := ar.call(ctx, uri, payload)
	if err != nil {
		if ar.ignoreOnError {
			return nil, nil
		}
		return nil, err
	}
	ar.cache.put(key, ctxs)
	return ctxs, nil
}

// call makes the request and extracts the outputs from the answer.
func (ar *apiRequest) call(ctx context.Context, uri string, payload []byte) ([]json.RawMessage, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, ar.method, uri, body)
	if err != nil {
		return nil, fmt.Errorf("API request %s: %w", uri, err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ar.basicAuth {
		req.SetBasicAuth(ar.user, ar.pass)
	}
	resp, err := ar.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("API request %s %s: %w", ar.method, uri, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
	if err != nil {
		return nil, fmt.Errorf("API request %s %s: read answer: %w", ar.method, uri, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("API request %s %s: status %d: %s", ar.method, uri, resp.StatusCode, truncate(string(b), 200))
	}
	doc, err := decodeJSON(b)
	if err != nil {
		return nil, fmt.Errorf("API request %s %s: answer is not JSON: %w", ar.method, uri, err)
	}
	out := make([]json.RawMessage, 0, len(ar.outputs))
	for _, o := range ar.outputs {
		nodes := o.path.Select(doc)
		var data any
		switch len(nodes) {
		case 0:
			return nil, fmt.Errorf("API request %s %s: JSONPath %s found nothing in the answer", ar.method, uri, o.raw)
		case 1:
			data = nodes[0]
		default:
			data = []any(nodes)
		}
		db, err := marshalJSON(data)
		if err != nil {
			return nil, fmt.Errorf("API request %s %s: output %s: %w", ar.method, uri, o.raw, err)
		}
		out = append(out, selfDescribing(o.schema, db))
	}
	return out, nil
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
