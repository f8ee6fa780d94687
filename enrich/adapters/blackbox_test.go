package adapters_test

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// adapterCase is one case of shared/testdata/enrich-blackbox/cases.json.
type adapterCase struct {
	Name    string `json:"name"`
	Folder  string `json:"folder"`
	Request struct {
		Path        string   `json:"path"`
		Querystring *string  `json:"querystring"`
		Body        *string  `json:"body"`
		ContentType *string  `json:"contentType"`
		Headers     []string `json:"headers"`
		IPAddress   string   `json:"ipAddress"`
		UserAgent   *string  `json:"userAgent"`
		RefererURI  *string  `json:"refererUri"`
		Timestamp   struct {
			MS int64 `json:"ms"`
		} `json:"timestamp"`
		NetworkUserID *string `json:"networkUserId"`
		Hostname      *string `json:"hostname"`
		Encoding      string  `json:"encoding"`
		Collector     string  `json:"collector"`
	} `json:"request"`
	Expected           map[string]string `json:"expected"`
	ExpectedEventCount int               `json:"expectedEventCount"`
}

const casesPath = "../../../shared/testdata/enrich-blackbox/cases.json"

// payload builds the collector payload a case describes, with upstream's defaults.
func (c *adapterCase) payload() *collector.Payload {
	r := c.Request
	p := &collector.Payload{
		Schema:        collector.PayloadSchema,
		IPAddress:     r.IPAddress,
		Timestamp:     time.UnixMilli(r.Timestamp.MS).UTC(),
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

// TestBlackboxAdapters replays the adapters folder of the enrich black-box corpus through
// the whole enrich pipeline; every case must pass.
func TestBlackboxAdapters(t *testing.T) {
	b, err := os.ReadFile(casesPath)
	if err != nil {
		t.Fatalf("read cases: %v", err)
	}
	var all []adapterCase
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatalf("decode cases: %v", err)
	}
	en := enrich.New(enrich.Config{Version: "1.0.0"})
	ran, passed := 0, 0
	for i := range all {
		c := &all[i]
		if c.Folder != "adapters" {
			continue
		}
		ran++
		if t.Run(c.Name, func(t *testing.T) { replay(t, en, c) }) {
			passed++
		}
	}
	t.Logf("adapters black-box cases: %d/%d pass", passed, ran)
	if ran != 14 {
		t.Errorf("ran %d adapters cases, want 14", ran)
	}
}

// replay runs one case and checks the event count and the expected fields.
func replay(t *testing.T, en *enrich.Enricher, c *adapterCase) {
	res := en.Process(context.Background(), c.payload())
	var good []*event.Event
	for _, o := range res.Outputs {
		if o.Stage != enrich.StageGood {
			t.Errorf("unexpected bad row: %s", o.BadRow)
			continue
		}
		good = append(good, o.Event)
	}
	if len(good) != c.ExpectedEventCount {
		t.Fatalf("got %d good events, want %d", len(good), c.ExpectedEventCount)
	}
	if len(c.Expected) == 0 {
		return
	}
	cols := strings.Split(string(good[0].TSV()), "\t")
	for name, want := range c.Expected {
		f, ok := fieldByName(name)
		if !ok {
			t.Errorf("unknown expected field %q", name)
			continue
		}
		got := cols[f]
		switch event.Fields[f].Kind {
		case event.KindContexts, event.KindUnstruct:
			if !jsonEqual(got, want) {
				t.Errorf("%s =\n %s\nwant\n %s", name, got, want)
			}
		default:
			if got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
	}
}

// fieldByName finds an enriched field by its TSV column name.
func fieldByName(name string) (event.Field, bool) {
	for f := range event.Field(event.NumFields) {
		if event.Fields[f].Name == name {
			return f, true
		}
	}
	return 0, false
}

// jsonEqual compares two JSON texts as values; "" equals only "".
func jsonEqual(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}
