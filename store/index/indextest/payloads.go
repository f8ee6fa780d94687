// Package indextest generates realistic tracker traffic for plowbox's search index
// benchmarks: TP2 POST payloads from a JavaScript tracker on a shop site, carrying page
// views, page pings, link clicks and struct events with a few entities each.
package indextest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/plowbox/plowbox/collector"
)

// PayloadSchema is the TP2 body schema the payloads use.
const PayloadSchema = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"

var (
	pages   = []string{"/", "/products", "/products/42", "/products/7", "/cart", "/checkout", "/blog/summer-sale", "/account", "/search", "/help"}
	titles  = []string{"Home – Example Shop", "Products – Example Shop", "Blue T-shirt – Example Shop", "Red Shoes – Example Shop", "Cart", "Checkout", "Summer sale is here", "Your account", "Search results", "Help centre"}
	apps    = []string{"shop", "shop", "shop", "blog", "checkout"}
	plans   = []string{"free", "pro", "team"}
	actions = []string{"add-to-basket", "remove", "play", "share"}
	agents  = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
	}
)

// Payload returns the collector payload of request r, arriving at at, carrying n events
// numbered from r*n; the same arguments always give the same payload.
func Payload(r, n int, at time.Time) *collector.Payload {
	evs := make([]map[string]string, n)
	for i := range evs {
		evs[i] = Event(r*n+i, at)
	}
	body, _ := json.Marshal(map[string]any{"schema": PayloadSchema, "data": evs})
	b, ua, ct := string(body), agents[r%len(agents)], "application/json; charset=utf-8"
	host := "collector.example.com"
	return &collector.Payload{
		Schema: collector.PayloadSchema, IPAddress: fmt.Sprintf("198.51.100.%d", r%250+1), Timestamp: at.UTC().Truncate(time.Millisecond),
		Encoding: "UTF-8", Collector: "plowbox-bench", UserAgent: &ua, Path: "/com.snowplowanalytics.snowplow/tp2",
		Body: &b, ContentType: &ct, Hostname: &host,
		Headers: []string{"Host: collector.example.com", "User-Agent: " + ua, "Content-Type: application/json; charset=utf-8"},
	}
}

// Event returns the tracker parameters of event i, sent at at: 40 % page views, 40 % page
// pings, 10 % link clicks and 10 % struct events, each with a web_page entity and a user
// entity, and a product entity on product pages.
func Event(i int, at time.Time) map[string]string {
	user := i / 40 // a visitor sends about 40 events
	page := (i / 5) % len(pages)
	dtm := strconv.FormatInt(at.Add(-time.Duration(i%700)*time.Millisecond).UnixMilli(), 10)
	p := map[string]string{
		"tv": "js-3.23.0", "p": "web", "aid": apps[user%len(apps)], "tna": "sp",
		"eid":  fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i*2654435761%(1<<32), i%65536, i%4096, (i/7)%4096, i),
		"duid": fmt.Sprintf("%08x-0000-4000-8000-%012x", user, user), "sid": fmt.Sprintf("%08x-1111-4111-8111-%012x", user/3, user),
		"vid": strconv.Itoa(user%9 + 1), "uid": fmt.Sprintf("user%d@example.com", user%5000),
		"url":  "https://shop.example.com" + pages[page] + "?utm_source=newsletter&utm_medium=email",
		"page": titles[page], "refr": "https://www.google.com/",
		"res": "1920x1080", "vp": "1280x720", "ds": "1280x3400", "cd": "24", "cs": "UTF-8", "lang": "en-GB",
		"tz": "Europe/London", "cookie": "1", "dtm": dtm, "stm": dtm,
	}
	ents := []string{
		fmt.Sprintf(`{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"%08x-2222-4222-8222-%012x"}}`, i/5, i/5),
		fmt.Sprintf(`{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"plan":"%s","age":%d,"beta":%t}}`, plans[user%len(plans)], 18+user%50, user%4 == 0),
	}
	if strings.HasPrefix(pages[page], "/products/") {
		ents = append(ents, fmt.Sprintf(`{"schema":"iglu:com.acme/product/jsonschema/1-0-0","data":{"sku":"SKU-%d","price":%d.99,"category":"clothing"}}`, page, 10+page))
	}
	p["co"] = `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[` + strings.Join(ents, ",") + `]}`
	switch i % 10 {
	case 0, 1, 2, 3:
		p["e"] = "pv"
	case 4, 5, 6, 7:
		p["e"] = "pp"
		p["pp_mix"], p["pp_max"], p["pp_miy"], p["pp_may"] = "0", "0", strconv.Itoa(i%3000), strconv.Itoa(i%3000+400)
	case 8:
		p["e"] = "ue"
		p["ue_pr"] = fmt.Sprintf(`{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","data":{"targetUrl":"https://shop.example.com/products/%d","elementId":"link-%d","elementClasses":["nav","promo"]}}}`, i%50, i%20)
	default:
		p["e"] = "se"
		p["se_ca"], p["se_ac"], p["se_la"], p["se_pr"], p["se_va"] = "shop", actions[i%len(actions)], fmt.Sprintf("SKU-%d", i%100), "blue:xl", strconv.Itoa(i%5)+".0"
	}
	return p
}
