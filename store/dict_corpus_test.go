package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/store/index/indextest"
)

// corpus is the uncompressed bodies of generated traffic, as the store would compress
// them, by kind.
type corpus struct {
	records, payloads [][]byte
}

// add appends the bodies of enriching p.
func (c *corpus) add(en *enrich.Enricher, p *collector.Payload) {
	res := en.Process(context.Background(), p)
	c.payloads = append(c.payloads, appendPayloadBody(nil, res.Payload))
	for i := range res.Outputs {
		c.records = append(c.records, appendRecordBody(nil, &res.Outputs[i], 0))
	}
}

// shopCorpus is the bodies of the indextest shop's TP2 requests from up to to, of n events
// each: page views with two entities, page pings, link clicks, struct events.
func shopCorpus(tb testing.TB, from, to, n int) corpus {
	tb.Helper()
	en := enrich.New(enrich.Config{Version: "1.0.0"})
	at := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	var c corpus
	for r := from; r < to; r++ {
		c.add(en, indextest.Payload(r, n, at.Add(time.Duration(r)*time.Second)))
	}
	return c
}

// pageViewCorpus is the bodies of n GET /i page views of another site, with a web_page
// entity and a consent entity, as a JavaScript tracker sends them one by one.
func pageViewCorpus(tb testing.TB, n int) corpus {
	tb.Helper()
	en := enrich.New(enrich.Config{Version: "1.0.0"})
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	var c corpus
	for i := range n {
		co := fmt.Sprintf(`{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"%08x-9f1c-4d2e-a1b0-%012x"}},{"schema":"iglu:org.example/consent/jsonschema/1-0-1","data":{"analytics":true,"marketing":%t}}]}`, i*7919, i, i%3 == 0)
		q := url.Values{
			"e": {"pv"}, "tv": {"js-4.1.0"}, "p": {"web"}, "aid": {"news"}, "tna": {"cf"},
			"eid":  {fmt.Sprintf("%08x-5d3b-4c1a-9e2f-%012x", i*2246822519%(1<<32), i)},
			"duid": {fmt.Sprintf("%08x-aaaa-4bbb-8ccc-%012x", i/25, i/25)}, "vid": {"3"},
			"url":  {fmt.Sprintf("https://news.example.org/articles/%d-the-story?ref=home", 1000+i%300)},
			"page": {fmt.Sprintf("Article %d | Example News", 1000+i%300)}, "refr": {"https://news.example.org/"},
			"res": {"390x844"}, "vp": {"390x664"}, "ds": {"390x5210"}, "cd": {"24"}, "cs": {"UTF-8"}, "lang": {"fr-FR"},
			"tz": {"Europe/Paris"}, "cookie": {"1"}, "dtm": {fmt.Sprint(at.UnixMilli() + int64(i)*1000)},
			"cx": {b64(co)},
		}
		ua := "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36"
		ref := "https://news.example.org/"
		host := "c.example.org"
		c.add(en, &collector.Payload{
			Schema: collector.PayloadSchema, IPAddress: fmt.Sprintf("203.0.113.%d", i%200+1), Timestamp: at.Add(time.Duration(i) * time.Second),
			Encoding: "UTF-8", Collector: "plowbox-1.0.0", UserAgent: &ua, RefererURI: &ref, Path: "/i", Querystring: q.Encode(),
			Hostname: &host, Headers: []string{"Host: c.example.org", "User-Agent: " + ua, "Referer: " + ref, "Accept: */*"},
		})
	}
	return c
}

// badCorpus is the bodies of n requests that fail: unknown paths (adapter failures),
// broken TP2 bodies and unparsable contexts.
func badCorpus(tb testing.TB, n int) corpus {
	tb.Helper()
	en := enrich.New(enrich.Config{Version: "1.0.0"})
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	var c corpus
	for i := range n {
		p := indextest.Payload(i, 1, at.Add(time.Duration(i)*time.Second))
		switch i % 3 {
		case 0:
			p.Path = fmt.Sprintf("/com.example/webhook-%d", i%5)
		case 1:
			b := strings.Replace(*p.Body, `"data":[`, `"data":{`, 1)
			p.Body = &b
		case 2:
			b := strings.Replace(*p.Body, `"co":"{`, `"co":"{{`, 1)
			p.Body = &b
		}
		c.add(en, p)
	}
	return c
}

// b64 is s in URL-safe base64, as trackers send cx and ue_px.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
