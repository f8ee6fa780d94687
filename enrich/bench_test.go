package enrich

import (
	"context"
	"strings"
	"testing"
)

func BenchmarkProcessPageViewGET(b *testing.B) {
	en := newTestEnricher(Config{})
	p := getPayload("e=pv&url=https%3A%2F%2Fwww.acme.com%2Fshop%3Fq%3D1%23top&page=Shop&tv=js-3.5.0&p=web&aid=site&res=1920x1080&cookie=1&dtm=1712052929500&eid=5A305BF5-32FC-40D9-B0E8-66052F0F2C95")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		en.Process(ctx, p)
	}
}

func BenchmarkProcessTP2Batch10(b *testing.B) {
	en := newTestEnricher(Config{})
	item := `{"e":"ue","tv":"js-3.5.0","p":"web","aid":"shop","url":"https://www.acme.com/","dtm":"1775124929500","stm":"1775124929510",` +
		`"ue_pr":"{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\",\"data\":{\"schema\":\"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1\",\"data\":{\"targetUrl\":\"https://a.b/\"}}}",` +
		`"co":"{\"schema\":\"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0\",\"data\":[{\"schema\":\"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0\",\"data\":{\"id\":\"a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22\"}}]}"}`
	body := `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[` + strings.TrimSuffix(strings.Repeat(item+",", 10), ",") + `]}`
	p := getPayload("")
	p.Path = "/com.snowplowanalytics.snowplow/tp2"
	p.Body = &body
	p.ContentType = str("application/json; charset=utf-8")
	ctx := context.Background()
	if res := en.Process(ctx, p); len(res.Outputs) != 10 || res.Outputs[9].Stage != StageGood {
		b.Fatalf("batch did not give 10 good events: %+v", res.Outputs)
	}
	b.ReportAllocs()
	for b.Loop() {
		en.Process(ctx, p)
	}
}
