package enrichments

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// benchEnrich measures one enrichment per event (ns/op = ns/event).
func benchEnrich(b *testing.B, en enrich.Enrichment, fields map[string]string, raw *event.RawEvent) {
	b.Helper()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		e := newEvent(b, fields)
		if _, err := en.Enrich(ctx, e, &enrich.Input{Raw: raw}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnrichments(b *testing.B) {
	data := dataDir(b)
	v := func(s string) *string { return &s }
	raw := rawWithHeaders("Host: acme.com", "Cookie: sp=ecdff4d0-9175-40ac-a8bb-325c49733607; _ga=GA1.2.3", "X-Acme-Trace: abc")
	raw.Params = event.Params{{Name: "e", Value: v("pv")}, {Name: "aid", Value: v("shop")}, {Name: "url", Value: v("https://acme.com/?utm_source=x")}}
	fields := map[string]string{
		"user_ipaddress": "81.2.69.142", "app_id": "shop", "user_id": "jane@example.com",
		"useragent":     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Safari/537.36",
		"page_urlquery": "utm_source=newsletter&utm_medium=email&gclid=abc", "page_urlhost": "acme.com", "page_referrer": "x",
		"refr_urlscheme": "https", "refr_urlhost": "www.google.com", "refr_urlpath": "/search", "refr_urlquery": "q=shoes",
		"derived_tstamp": "2024-05-01 10:00:00.000",
	}
	for _, f := range []string{"anon_ip.good.json", "ua_parser_config.good.json", "ip_lookups.good.json", "campaign_attribution.good.json",
		"referer_parser.good.json", "event_fingerprint_config.good.json", "cookie_extractor_config.good.json",
		"http_header_extractor_config.good.json", "pii_enrichment_config.good.json", "javascript_script_config.good.json",
		"iab_spiders_and_robots_enrichment.good.json"} {
		en := loadFixture(b, f, Options{DataDir: data})
		b.Run(en.Info().Identifier, func(b *testing.B) { benchEnrich(b, en, fields, raw) })
	}
}

// allConfigs are the good fixtures of every enrichment plowbox runs.
var allConfigs = []string{"anon_ip.good.json", "ua_parser_config.good.json", "ip_lookups.good.json", "campaign_attribution.good.json",
	"referer_parser.good.json", "event_fingerprint_config.good.json", "cookie_extractor_config.good.json",
	"http_header_extractor_config.good.json", "pii_enrichment_config.good.json", "javascript_script_config.good.json",
	"iab_spiders_and_robots_enrichment.good.json"}

// BenchmarkChain measures a whole event (a GET /i page view with a referrer and campaign
// parameters) through the Enricher with every enrichment on, against the same event with
// none: the difference is the cost of the enrichments (ns/op = ns/event).
func BenchmarkChain(b *testing.B) {
	data := dataDir(b)
	var configs []json.RawMessage
	for _, f := range allConfigs {
		raw, err := os.ReadFile(filepath.Join("testdata", "configs", f))
		if err != nil {
			b.Fatal(err)
		}
		configs = append(configs, raw)
	}
	list, _, err := LoadConfigs(configs, Options{DataDir: data})
	if err != nil {
		b.Fatal(err)
	}
	defer Close(list)
	ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Safari/537.36"
	refr := "https://www.google.com/search?q=running+shoes"
	p := &collector.Payload{Schema: collector.PayloadSchema, Path: "/i", IPAddress: "81.2.69.142", UserAgent: &ua, RefererURI: &refr,
		Querystring: "e=pv&p=web&tv=js-3.0.0&aid=shop&uid=jane&url=" + url.QueryEscape("https://acme.com/?utm_source=newsletter&utm_medium=email&gclid=abc"),
		Headers:     []string{"Host: acme.com", "Cookie: sp=ecdff4d0-9175-40ac-a8bb-325c49733607; _ga=GA1.2.3", "X-Acme-Trace: abc"},
		Timestamp:   time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), Encoding: "UTF-8", Collector: "c"}
	for _, bc := range []struct {
		name string
		list []enrich.Enrichment
	}{{"none", nil}, {"all", list}} {
		en := enrich.New(enrich.Config{Version: "1.0.0", Enrichments: bc.list})
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res := en.Process(context.Background(), p)
				if len(res.Outputs) != 1 || res.Outputs[0].Stage != enrich.StageGood {
					b.Fatalf("%+v", res.Outputs)
				}
			}
		})
	}
}
