package adapters

import "testing"

func TestGoogleAnalytics(t *testing.T) {
	const tv = "com.google.analytics.measurement-protocol-v1"
	s := gaSchema
	hit := func(t string) string { return `{"schema":"` + s("hit") + `","data":{"type":"` + t + `"}}` }
	co := func(cs ...string) string {
		out := `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[`
		for i, c := range cs {
			if i > 0 {
				out += ","
			}
			out += c
		}
		return out + "]}"
	}
	sdj := func(name, data string) string { return `{"schema":"` + s(name) + `","data":` + data + `}` }
	runVendor(t, "com.google.analytics", "v1", []vendorCase{
		{name: "pageview", body: sp("t=pageview&dh=host&dp=path"),
			want: []map[string]string{ev(tv, s("page_view"), `{"documentHostName":"host","documentPath":"path"}`, "co", co(hit("pageview")))}},
		{name: "contexts and direct mappings", body: sp("t=pageview&dh=host&cid=id&v=version&uip=ip"),
			want: []map[string]string{ev(tv, s("page_view"), `{"documentHostName":"host"}`,
				"co", co(hit("pageview"), sdj("user", `{"clientId":"id"}`), sdj("general", `{"protocolVersion":"version"}`), sdj("session", `{"ipOverride":"ip"}`)),
				"ip", "ip")}},
		{name: "typed item", body: sp("t=item&in=name&ip=12.228&iq=12&aip=0"),
			want: []map[string]string{ev(tv, s("item"), `{"price":12.23,"name":"name","quantity":12}`,
				"co", co(hit("item"), sdj("general", `{"anonymizeIp":false}`)),
				"ti_pr", "12.228", "ti_qu", "12", "ti_nm", "name")}},
		{name: "page view as a context", body: sp("t=exception&exd=desc&exf=1&dh=host"),
			want: []map[string]string{ev(tv, s("exception"), `{"description":"desc","isFatal":true}`,
				"co", co(hit("exception"), sdj("page_view", `{"documentHostName":"host"}`)))}},
		{name: "products", body: sp("t=transaction&ti=tr&cu=EUR&pr12id=ident&pr12cd42=val"),
			want: []map[string]string{ev(tv, s("transaction"), `{"id":"tr","currencyCode":"EUR"}`,
				"co", co(hit("transaction"), sdj("product", `{"index":12,"currencyCode":"EUR","sku":"ident"}`),
					sdj("product_custom_dimension", `{"productIndex":12,"dimensionIndex":42,"value":"val"}`)),
				"tr_id", "tr", "tr_cu", "EUR")}},
		{name: "impressions", body: sp("t=pageview&dp=path&il12pi42id=s&il12pi42cd36=dim"),
			want: []map[string]string{ev(tv, s("page_view"), `{"documentPath":"path"}`,
				"co", co(hit("pageview"), sdj("product_impression", `{"listIndex":12,"productIndex":42,"sku":"s"}`),
					sdj("product_impression_custom_dimension", `{"listIndex":12,"productIndex":42,"customDimensionIndex":36,"value":"dim"}`)))}},
		{name: "screen name and custom dimension", body: sp("t=screenview&cd=name&cd12=dim&cm3=4.5&promo1id=p"),
			want: []map[string]string{ev(tv, s("screen_view"), `{"screenName":"name"}`,
				"co", co(hit("screenview"), sdj("custom_dimension", `{"index":12,"value":"dim"}`),
					sdj("custom_metric", `{"index":3,"value":4.5}`), sdj("promotion", `{"index":1,"id":"p"}`)))}},
		{name: "two hits", body: sp("t=pageview&dp=a\nt=event&ec=c&ea=a&ev=3"),
			want: []map[string]string{
				ev(tv, s("page_view"), `{"documentPath":"a"}`, "co", co(hit("pageview"))),
				ev(tv, s("event"), `{"category":"c","action":"a","value":3}`, "co", co(hit("event"))),
			}},
		{name: "empty body", fail: []string{`{"field":"body","value":null,"expectation":"empty body"}`}},
		{name: "no hit type", body: sp("dl=docloc"),
			fail: []string{`{"field":"body","value":"dl=docloc","expectation":"no t parameter provided: cannot determine hit type"}`}},
		{name: "unknown hit type", body: sp("t=unknown&dl=docloc"),
			fail: []string{
				`{"field":"t","value":"unknown","expectation":"no matching hit type"}`,
				`{"actual":"unknown","expectedMapping":{"pageview":"` + s("page_view") + `","screenview":"` + s("screen_view") + `","event":"` + s("event") + `","transaction":"` + s("transaction") + `","item":"` + s("item") + `","social":"` + s("social") + `","exception":"` + s("exception") + `","timing":"` + s("timing") + `"},"expectation":"no schema associated with the provided type parameter"}`,
			}},
	})
}
