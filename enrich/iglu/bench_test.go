package iglu

import (
	"context"
	"encoding/json"
	"testing"
)

// BenchmarkValidate measures validation per event with a warm cache.
func BenchmarkValidate(b *testing.B) {
	cases := []struct {
		name, schema, data string
	}{
		{"link_click/valid", linkClick, `{"targetUrl":"https://www.acme.com/buy","elementId":"buy","elementClasses":["btn","primary"]}`},
		{"link_click/invalid", linkClick, `{"elementId":"buy","elementClasses":["btn",1]}`},
		{"web_page/valid", "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0", `{"id":"a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22"}`},
	}
	v, _ := newTestValidator(b)
	ctx := context.Background()
	for _, c := range cases {
		data := json.RawMessage(c.data)
		if res := v.Validate(ctx, c.schema, data); res.Schema == "" {
			b.Fatalf("%s: warm-up failed", c.name)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v.Validate(ctx, c.schema, data)
			}
		})
	}
}

// BenchmarkCompile measures compiling a schema on a cache miss.
func BenchmarkCompile(b *testing.B) {
	v, _ := newTestValidator(b)
	body, _, err := v.Lookup(context.Background(), mustKey(b, linkClick))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, issues := compileSchema(mustKey(b, linkClick), body, discardLogger()); issues != nil {
			b.Fatal(issues)
		}
	}
}
