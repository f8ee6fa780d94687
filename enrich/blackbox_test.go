package enrich

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/adapters"
	"github.com/plowbox/plowbox/enrich/event"
)

// blackboxCase is one case of shared/testdata/enrich-blackbox/cases.json.
type blackboxCase struct {
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
	Enrichments        []json.RawMessage `json:"enrichments"`
	Expected           map[string]string `json:"expected"`
	ExpectedEventCount int               `json:"expectedEventCount"`
	Requires           any               `json:"requires"`
}

const blackboxPath = "../../shared/testdata/enrich-blackbox/cases.json"

// payload builds the collector payload a case describes.
func (c *blackboxCase) payload() *collector.Payload {
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

// skipReason says why a case cannot run here, "" when it can.
func (c *blackboxCase) skipReason(reg *adapters.Registry) string {
	if c.Requires != nil {
		return fmt.Sprintf("requires %v", c.Requires)
	}
	if len(c.Enrichments) > 0 {
		var ids []string
		for _, e := range c.Enrichments {
			var sd struct {
				Schema string `json:"schema"`
			}
			_ = json.Unmarshal(e, &sd)
			ids = append(ids, sd.Schema)
		}
		return "needs enrichments (enrich/enrichments, not wired into this test): " + strings.Join(ids, ", ")
	}
	p := c.payload()
	v, ver, _ := p.API()
	if _, ok := reg.Lookup(v, ver); !ok {
		return "needs the vendor adapter " + v + "/" + ver
	}
	return ""
}

func TestBlackbox(t *testing.T) {
	b, err := os.ReadFile(blackboxPath)
	if err != nil {
		t.Fatalf("read cases: %v", err)
	}
	var cases []blackboxCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatalf("decode cases: %v", err)
	}
	reg := adapters.NewRegistry(adapters.Options{})
	en := New(Config{Version: "1.0.0", Adapters: reg})
	var mu sync.Mutex
	type tally struct{ pass, fail, skip int }
	counts := map[string]*tally{}
	for i := range cases {
		c := &cases[i]
		if counts[c.Folder] == nil {
			counts[c.Folder] = &tally{}
		}
		t.Run(c.Name, func(t *testing.T) {
			tl := counts[c.Folder]
			if why := c.skipReason(reg); why != "" {
				mu.Lock()
				tl.skip++
				mu.Unlock()
				t.Skip(why)
			}
			ok := runBlackbox(t, en, c)
			mu.Lock()
			if ok {
				tl.pass++
			} else {
				tl.fail++
			}
			mu.Unlock()
		})
	}
	for _, f := range []string{"adapters", "enrichments", "misc"} {
		if tl := counts[f]; tl != nil {
			t.Logf("blackbox %-11s pass %d, fail %d, skip %d", f, tl.pass, tl.fail, tl.skip)
		}
	}
	if m := counts["misc"]; m == nil || m.pass != 5 {
		t.Errorf("every misc case must pass")
	}
}

// runBlackbox replays one case and reports whether it passed.
func runBlackbox(t *testing.T, en *Enricher, c *blackboxCase) bool {
	t.Helper()
	res := en.Process(context.Background(), c.payload())
	good := 0
	for _, o := range res.Outputs {
		if o.Stage != StageGood {
			t.Errorf("unexpected bad row: %s", o.BadRow)
			continue
		}
		good++
	}
	if good != c.ExpectedEventCount {
		t.Errorf("got %d good events, want %d", good, c.ExpectedEventCount)
	}
	if t.Failed() || len(c.Expected) == 0 {
		return !t.Failed()
	}
	cols := strings.Split(string(res.Outputs[0].Event.TSV()), "\t")
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
				t.Errorf("%s = %s, want %s", name, got, want)
			}
		default:
			if got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
	}
	return !t.Failed()
}

// fieldByName finds an enriched field by its TSV name.
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
