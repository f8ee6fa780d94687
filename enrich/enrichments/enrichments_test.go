package enrichments

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

func TestAnonymizeIP(t *testing.T) {
	tests := []struct {
		in               string
		octets, segments int
		want             string
	}{
		{"94.15.223.151", 3, 3, "94.x.x.x"},
		{"94.15.223.151", 1, 1, "94.15.223.x"},
		{"94.15.223.151", 4, 4, "x.x.x.x"},
		{"2605:2700:0:3::4713:93e3", 4, 4, "2605:2700:0:3:x:x:x:x"},
		{"2605:2700:0:3::4713:93e3", 2, 1, "2605:2700:0:3:0:0:4713:x"},
		{"::FFFF:94.15.223.151", 2, 8, "::FFFF:94.15.x.x"},
		{"unknown", 2, 2, "unknown"},
		{"", 2, 2, ""},
	}
	for _, tt := range tests {
		if got := AnonymizeIP(tt.in, tt.octets, tt.segments); got != tt.want {
			t.Errorf("AnonymizeIP(%q, %d, %d) = %q, want %q", tt.in, tt.octets, tt.segments, got, tt.want)
		}
	}
	en := loadFixture(t, "anon_ip.good.json", Options{})
	e := newEvent(t, map[string]string{"user_ipaddress": "2605:2700:0:3::4713:93e3"})
	if _, err := en.Enrich(context.Background(), e, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.Get(event.UserIPAddress); got != "2605:2700:0:3:0:x:x:x" {
		t.Fatalf("user_ipaddress %q", got)
	}
}

func TestUAParser(t *testing.T) {
	en := loadFixture(t, "ua_parser_config.good.json", Options{})
	const schema = `{"schema":"iglu:com.snowplowanalytics.snowplow/ua_parser_context/jsonschema/1-0-0","data":`
	tests := []struct{ ua, want string }{
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Safari/537.36",
			`{"useragentFamily":"Chrome","useragentMajor":"124","useragentMinor":"0","useragentPatch":"6367","useragentVersion":"Chrome 124.0.6367","osFamily":"Windows","osMajor":"10","osMinor":null,"osPatch":null,"osPatchMinor":null,"osVersion":"Windows 10","deviceFamily":"Other"}`},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
			`{"useragentFamily":"Mobile Safari","useragentMajor":"17","useragentMinor":"4","useragentPatch":"1","useragentVersion":"Mobile Safari 17.4.1","osFamily":"iOS","osMajor":"17","osMinor":"4","osPatch":"1","osPatchMinor":null,"osVersion":"iOS 17.4.1","deviceFamily":"iPhone"}`},
		{"curl/7.50.3",
			`{"useragentFamily":"curl","useragentMajor":"7","useragentMinor":"50","useragentPatch":"3","useragentVersion":"curl 7.50.3","osFamily":"Other","osMajor":null,"osMinor":null,"osPatch":null,"osPatchMinor":null,"osVersion":"Other","deviceFamily":"Other"}`},
	}
	for _, tt := range tests {
		ctxs, err := en.Enrich(context.Background(), newEvent(t, map[string]string{"useragent": tt.ua}), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ctxs) != 1 || string(ctxs[0]) != schema+tt.want+"}" {
			t.Errorf("%s:\n got %s\nwant %s", tt.ua, strs(ctxs), schema+tt.want+"}")
		}
		if !json.Valid(ctxs[0]) {
			t.Errorf("invalid JSON %s", ctxs[0])
		}
	}
	if ctxs, _ := en.Enrich(context.Background(), &event.Event{}, nil); ctxs != nil {
		t.Errorf("no user agent gave %s", strs(ctxs))
	}
}

func TestCampaignAttribution(t *testing.T) {
	en := loadFixture(t, "campaign_attribution.good.json", Options{})
	tests := []struct {
		query string
		want  map[string]string
	}{
		{"utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale&utm_term=running+shoes&utm_content=hero%09banner",
			map[string]string{"mkt_source": "newsletter", "mkt_medium": "email", "mkt_campaign": "spring_sale", "mkt_term": "running shoes", "mkt_content": "hero    banner"}},
		{"medium=cpc&utm_medium=display&cid=summer&gclid=EAIaIQobChMI&msclkid=abc",
			map[string]string{"mkt_medium": "display", "mkt_campaign": "summer", "mkt_clickid": "EAIaIQobChMI", "mkt_network": "Google"}},
		{"msclkid=7d1e&customclid=42", map[string]string{"mkt_clickid": "7d1e", "mkt_network": "Microsoft"}},
		{"fbclid=IwAR2", map[string]string{"mkt_clickid": "IwAR2", "mkt_network": "Facebook"}},
		{"utm_source=%zz&source=x", map[string]string{"mkt_source": "%zz"}},
		{"", map[string]string{"mkt_source": ""}},
	}
	for _, tt := range tests {
		e := newEvent(t, map[string]string{"page_urlquery": tt.query})
		if _, err := en.Enrich(context.Background(), e, nil); err != nil {
			t.Fatal(err)
		}
		for k, want := range tt.want {
			if got := e.Get(fieldByName(k)); got != want {
				t.Errorf("%s: %s = %q, want %q", tt.query, k, got, want)
			}
		}
	}
}

func TestRefererParserEnrichment(t *testing.T) {
	en := loadFixture(t, "referer_parser.good.json", Options{DataDir: dataDir(t)})
	tests := []struct {
		refr, scheme, host, path, query, page string
		medium, source, term                  string
	}{
		{"x", "http", "www.google.com", "/search", "q=%0Agateway%09oracle&hl=en", "shop.example", "search", "Google", "gateway    oracle"},
		{"x", "https", "www.acme.com", "/pricing", "", "shop.example", "internal", "", ""},
		{"x", "https", "shop.example", "/", "", "shop.example", "internal", "", ""},
		{"x", "https", "search.acme.org", "/", "qq=inline", "shop.example", "search", "Acme Search", "inline"},
		{"x", "https", "blog.example.net", "/", "", "shop.example", "unknown", "", ""},
		{"", "", "", "", "", "shop.example", "", "", ""},
	}
	for _, tt := range tests {
		e := newEvent(t, map[string]string{"page_referrer": tt.refr, "refr_urlscheme": tt.scheme, "refr_urlhost": tt.host,
			"refr_urlpath": tt.path, "refr_urlquery": tt.query, "page_urlhost": tt.page})
		if _, err := en.Enrich(context.Background(), e, nil); err != nil {
			t.Fatal(err)
		}
		got := [3]string{e.Get(event.RefrMedium), e.Get(event.RefrSource), e.Get(event.RefrTerm)}
		if got != [3]string{tt.medium, tt.source, tt.term} {
			t.Errorf("%s%s: got %q", tt.host, tt.path, got)
		}
	}
}

func TestFingerprint(t *testing.T) {
	en := loadFixture(t, "event_fingerprint_config.good.json", Options{})
	v := func(s string) *string { return &s }
	raw := &event.RawEvent{Params: event.Params{
		{Name: "e", Value: v("pv")}, {Name: "eid", Value: v("x")}, {Name: "aid", Value: v("old")}, {Name: "aid", Value: v("shop")},
		{Name: "stm", Value: v("1")}, {Name: "novalue"}, {Name: "url", Value: v("https://a.example/?q=é")},
	}}
	e := &event.Event{}
	if _, err := en.Enrich(context.Background(), e, &enrich.Input{Raw: raw}); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum([]byte("aid\x1fshop\x1fe\x1fpv\x1furl\x1fhttps://a.example/?q=é\x1f"))
	if got, want := e.Get(event.EventFingerprint), hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("event_fingerprint %s, want %s", got, want)
	}
	// The excluded eid does not change the fingerprint.
	raw.Params[1].Value = v("y")
	e2 := &event.Event{}
	_, _ = en.Enrich(context.Background(), e2, &enrich.Input{Raw: raw})
	if e2.Get(event.EventFingerprint) != e.Get(event.EventFingerprint) {
		t.Fatal("excluded parameter changed the fingerprint")
	}
}

func TestCookieAndHeaderExtractors(t *testing.T) {
	raw := rawWithHeaders("Host: acme.com", "Cookie: sp=ecdff4d0-9175-40ac-a8bb-325c49733607; other=1; _ga=GA1.2.3",
		"X-Acme-Trace:  abc ", "x-acme-user: 42", "X-Other: no", "application/json")
	cookies, err := loadFixture(t, "cookie_extractor_config.good.json", Options{}).Enrich(context.Background(), &event.Event{}, &enrich.Input{Raw: raw})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":"iglu:org.ietf/http_cookie/jsonschema/1-0-0","data":{"name":"sp","value":"ecdff4d0-9175-40ac-a8bb-325c49733607"}}` +
		`|{"schema":"iglu:org.ietf/http_cookie/jsonschema/1-0-0","data":{"name":"_ga","value":"GA1.2.3"}}`
	if got := strings.Join(strs(cookies), "|"); got != want {
		t.Errorf("cookies\n got %s\nwant %s", got, want)
	}
	headers, err := loadFixture(t, "http_header_extractor_config.good.json", Options{}).Enrich(context.Background(), &event.Event{}, &enrich.Input{Raw: raw})
	if err != nil {
		t.Fatal(err)
	}
	want = `{"schema":"iglu:org.ietf/http_header/jsonschema/1-0-0","data":{"name":"X-Acme-Trace","value":"abc"}}` +
		`|{"schema":"iglu:org.ietf/http_header/jsonschema/1-0-0","data":{"name":"x-acme-user","value":"42"}}`
	if got := strings.Join(strs(headers), "|"); got != want {
		t.Errorf("headers\n got %s\nwant %s", got, want)
	}
}

func TestPII(t *testing.T) {
	en := loadFixture(t, "pii_enrichment_config.good.json", Options{})
	e := newEvent(t, map[string]string{
		"user_id":  "jane@example.com",
		"contexts": `[{"schema":"iglu:com.acme/user/jsonschema/1-0-2","data":{"email":"jane@example.com","age":41.50}},{"schema":"iglu:com.acme/user/jsonschema/2-0-0","data":{"email":"x"}}]`,
	})
	if _, err := en.Enrich(context.Background(), e, nil); err != nil {
		t.Fatal(err)
	}
	want := piiHash(t, "SHA-256", "jane@example.com", "pepper")
	if got := e.Get(event.UserID); got != want {
		t.Errorf("user_id %s, want %s", got, want)
	}
	wantCtx := `[{"schema":"iglu:com.acme/user/jsonschema/1-0-2","data":{"email":"` + want + `","age":41.50}},{"schema":"iglu:com.acme/user/jsonschema/2-0-0","data":{"email":"x"}}]`
	if got := e.Get(event.Contexts); got != wantCtx {
		t.Errorf("contexts\n got %s\nwant %s", got, wantCtx)
	}
}

// piiHash computes a pseudonymised value independently of the enrichment.
func piiHash(t *testing.T, fn, v, salt string) string {
	t.Helper()
	h := piiHashes[fn]()
	h.Write([]byte(v + salt))
	return hex.EncodeToString(h.Sum(nil))
}

func TestMD2(t *testing.T) {
	for in, want := range map[string]string{
		"":    "8350e5a3e24c153df2275c9f80692773",
		"abc": "da853b0d3f88d99b30283a69e6ded6bb",
		"12345678901234567890123456789012345678901234567890123456789012345678901234567890": "d5976f79d83d3a0dc9806c3c66f3efd8",
	} {
		h := newMD2()
		h.Write([]byte(in))
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("MD2(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestJavaScript(t *testing.T) {
	en := loadFixture(t, "javascript_script_config.good.json", Options{})
	ctxs, err := en.Enrich(context.Background(), newEvent(t, map[string]string{"app_id": "shop"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strs(ctxs), ","); got != `{"schema":"iglu:com.acme/foo/jsonschema/1-0-0","data":{"appId":"shop","greeting":"hello"}}` {
		t.Fatalf("contexts %s", got)
	}
	if _, err := en.Enrich(context.Background(), newEvent(t, map[string]string{"app_id": "drop-all"}), nil); !errors.Is(err, enrich.ErrDrop) {
		t.Fatalf("drop-all gave %v, want ErrDrop", err)
	}

	script := func(src string) enrich.Enrichment {
		t.Helper()
		cfg := `{"schema":"iglu:com.snowplowanalytics.snowplow/javascript_script_config/jsonschema/1-0-1","data":{"vendor":"com.snowplowanalytics.snowplow","name":"javascript_script_config","enabled":true,"parameters":{"script":"` +
			b64(src) + `"}}}`
		list, _, err := LoadConfigs([]json.RawMessage{json.RawMessage(cfg)}, Options{ScriptTimeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return list[0]
	}
	tests := []struct {
		name, src, errContains string
		check                  func(*event.Event) string
	}{
		{name: "setters and getters", src: `function process(event, params, headers) {
			event.setApp_id(event.getApp_id() + "-" + headers.length); event.setSe_value(12.5); event.setTxn_id(7);
			event.setUser_id(null); var u = JSON.parse(event.getUnstruct_event()); event.setMkt_term(u.data.schema); return null; }`,
			check: func(e *event.Event) string {
				return e.Get(event.AppID) + "|" + e.Get(event.SeValue) + "|" + e.Get(event.TxnID) + "|" + e.Get(event.UserID) + "|" + e.Get(event.MktTerm)
			}},
		{name: "throws", src: `function process(event) { throw "Boom"; }`, errContains: "Error during execution of JavaScript function: [Boom]"},
		{name: "type error", src: `function process(event) { return event.getNothing(); }`, errContains: "TypeError"},
		{name: "java class", src: `function process(event) { var x = Java.type("java.lang.System"); return null; }`, errContains: "ReferenceError"},
		{name: "bad return", src: `function process(event) { return {"schema": "x"}; }`, errContains: "must return an array"},
		{name: "not sdj", src: `function process(event) { return [{"foo": 1}]; }`, errContains: "not a self-describing JSON"},
		{name: "endless", src: `function process(event) { while (true) {} }`, errContains: "timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			en := script(tt.src)
			e := newEvent(t, map[string]string{"app_id": "a", "user_id": "u",
				"unstruct_event": `{"schema":"iglu:com.acme/ev/jsonschema/1-0-0","data":{}}`})
			_, err := en.Enrich(context.Background(), e, &enrich.Input{Raw: rawWithHeaders("Host: x", "Accept: */*")})
			if tt.errContains != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errContains) {
					t.Fatalf("err %v, want %q", err, tt.errContains)
				}
				// The runtime is still usable afterwards.
				_, _ = en.Enrich(context.Background(), e, nil)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.check(e); got != "a-2|12.5|7||iglu:com.acme/ev/jsonschema/1-0-0" {
				t.Fatalf("got %s", got)
			}
		})
	}
}
