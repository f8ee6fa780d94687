package enrichments

import (
	"context"
	"testing"

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
		if _, err := en.Enrich(ctx, e, raw); err != nil {
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
	}
	for _, f := range []string{"anon_ip.good.json", "ua_parser_config.good.json", "ip_lookups.good.json", "campaign_attribution.good.json",
		"referer_parser.good.json", "event_fingerprint_config.good.json", "cookie_extractor_config.good.json",
		"http_header_extractor_config.good.json", "pii_enrichment_config.good.json", "javascript_script_config.good.json"} {
		en := loadFixture(b, f, Options{DataDir: data})
		b.Run(en.Info().Identifier, func(b *testing.B) { benchEnrich(b, en, fields, raw) })
	}
}
