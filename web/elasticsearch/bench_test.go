package elasticsearch_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkInspectorPoll measures one "Stream Live Data" poll, GET
// /elasticsearch/good/_search?size=50&q=*, over 2,000 stored good events: the search,
// 50 records read from bbolt and rendered as the loader's flattened JSON.
func BenchmarkInspectorPoll(b *testing.B) {
	f := newFixture(b, false)
	for batch := range 200 {
		var evs []string
		for i := range 10 {
			evs = append(evs, fmt.Sprintf(`{"e":"pv","p":"web","tv":"js-3.5.0","aid":"shop","url":"https://shop.example/p/%d","co":%q}`, batch*10+i, webPage))
		}
		f.send(b, http.MethodPost, "/com.snowplowanalytics.snowplow/tp2", `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[`+strings.Join(evs, ",")+`]}`)
	}
	target := inspectorURL(f.url+"/elasticsearch/", "good", "")
	b.ResetTimer()
	for b.Loop() {
		resp, err := http.Get(target)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("poll: %d", resp.StatusCode)
		}
	}
}
