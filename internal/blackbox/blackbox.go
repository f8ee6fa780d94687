// Package blackbox loads Snowplow Enrich's black-box cases (shared/testdata/enrich-blackbox:
// a collector request in, the expected enriched fields out) and checks plowbox's events
// against them. Tests at every level — the enricher, the HTTP collector — replay them
// through this one package.
package blackbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
)

// Case is one black-box case; see the README beside cases.json.
type Case struct {
	Name    string  `json:"name"`
	Folder  string  `json:"folder"`
	Request Request `json:"request"`
	// Enrichments are the enrichment configs the case enables, as self-describing JSON.
	Enrichments        []json.RawMessage `json:"enrichments"`
	Expected           map[string]string `json:"expected"`
	ExpectedEventCount int               `json:"expectedEventCount"`
	// Requires names an outside service the case needs; nil when it runs offline.
	Requires *string `json:"requires"`
}

// Request is the collector request of a case.
type Request struct {
	Path        string   `json:"path"`
	Method      string   `json:"method"`
	Querystring *string  `json:"querystring"`
	Body        *string  `json:"body"`
	ContentType *string  `json:"contentType"`
	Headers     []string `json:"headers"`
	IPAddress   string   `json:"ipAddress"`
	UserAgent   *string  `json:"userAgent"`
	RefererURI  *string  `json:"refererUri"`
	Timestamp   struct {
		Ms int64 `json:"ms"`
	} `json:"timestamp"`
	NetworkUserID *string `json:"networkUserId"`
	Hostname      *string `json:"hostname"`
	Encoding      string  `json:"encoding"`
	Collector     string  `json:"collector"`
	ThriftBase64  *string `json:"thriftBase64"`
}

// Load reads the cases of cases.json at path.
func Load(path string) ([]Case, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read black-box cases: %w", err)
	}
	var cases []Case
	if err := json.Unmarshal(raw, &cases); err != nil {
		return nil, fmt.Errorf("decode black-box cases %s: %w", path, err)
	}
	return cases, nil
}

// Time is the collector time the case pins.
func (c *Case) Time() time.Time { return time.UnixMilli(c.Request.Timestamp.Ms).UTC() }

// Payload builds the collector payload the case describes, with upstream's defaults.
func (c *Case) Payload() *collector.Payload {
	r := c.Request
	p := &collector.Payload{
		Schema:        collector.PayloadSchema,
		IPAddress:     r.IPAddress,
		Timestamp:     c.Time(),
		Encoding:      r.Encoding,
		Collector:     r.Collector,
		UserAgent:     r.UserAgent,
		RefererURI:    r.RefererURI,
		Path:          r.Path,
		Body:          r.Body,
		Headers:       r.Headers,
		ContentType:   r.ContentType,
		Hostname:      r.Hostname,
		NetworkUserID: r.NetworkUserID,
	}
	if r.Querystring != nil {
		p.Querystring = *r.Querystring
	}
	if p.Encoding == "" {
		p.Encoding = "UTF-8"
	}
	if p.Collector == "" {
		p.Collector = "ssc"
	}
	return p
}

// Mismatches compares the case's expected fields with ev's enriched TSV columns: JSON
// columns as JSON values, every other field as an exact string. It returns one line per
// difference.
func (c *Case) Mismatches(ev *event.Event) []string {
	cols := strings.Split(string(ev.TSV()), "\t")
	if len(cols) != event.NumFields {
		return []string{fmt.Sprintf("TSV has %d columns, want %d", len(cols), event.NumFields)}
	}
	var out []string
	for name, want := range c.Expected {
		f, ok := FieldByName(name)
		if !ok {
			out = append(out, fmt.Sprintf("unknown expected field %q", name))
			continue
		}
		got := cols[f]
		switch event.Fields[f].Kind {
		case event.KindContexts, event.KindUnstruct:
			if !JSONEqual(got, want) {
				out = append(out, fmt.Sprintf("%s:\n got %s\nwant %s", name, got, want))
			}
		default:
			if got != want {
				out = append(out, fmt.Sprintf("%s = %q, want %q", name, got, want))
			}
		}
	}
	return out
}

// FieldByName finds an enriched field by its TSV name.
func FieldByName(name string) (event.Field, bool) {
	for f := range event.Field(event.NumFields) {
		if event.Fields[f].Name == name {
			return f, true
		}
	}
	return 0, false
}

// JSONEqual compares two JSON texts as values, numbers by their text; "" equals only "".
func JSONEqual(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	var x, y any
	dx := json.NewDecoder(bytes.NewReader([]byte(a)))
	dx.UseNumber()
	dy := json.NewDecoder(bytes.NewReader([]byte(b)))
	dy.UseNumber()
	if dx.Decode(&x) != nil || dy.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
