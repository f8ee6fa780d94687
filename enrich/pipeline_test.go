package enrich

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/internal/blackbox"
)

var (
	testNow       = time.Date(2026, 4, 2, 10, 15, 30, 123e6, time.UTC)
	testCollected = time.Date(2026, 4, 2, 10, 15, 29, 870e6, time.UTC)
)

func str(s string) *string { return &s }

// newTestEnricher returns an Enricher with a fixed clock.
func newTestEnricher(cfg Config) *Enricher {
	cfg.Version = "1.0.0"
	cfg.Now = func() time.Time { return testNow }
	return New(cfg)
}

// getPayload is a GET /i payload with the given raw query.
func getPayload(query string) *collector.Payload {
	return &collector.Payload{
		Schema: collector.PayloadSchema, IPAddress: "203.0.113.7", Timestamp: testCollected, Encoding: "UTF-8",
		Collector: "plowbox-1.0.0", UserAgent: str("curl/8.5.0"), Path: "/i", Querystring: query,
		Headers: []string{"Host: localhost", "User-Agent: curl/8.5.0"}, Hostname: str("localhost"),
		NetworkUserID: str("ecdff4d0-9175-40ac-a8bb-325c49733607"),
	}
}

// one processes p and returns its only output.
func one(t *testing.T, en *Enricher, p *collector.Payload) Output {
	t.Helper()
	res := en.Process(context.Background(), p)
	if len(res.Outputs) != 1 {
		t.Fatalf("got %d outputs, want 1", len(res.Outputs))
	}
	return res.Outputs[0]
}

// field returns the value of the named field.
func field(t *testing.T, e *event.Event, name string) string {
	t.Helper()
	f, ok := blackbox.FieldByName(name)
	if !ok {
		t.Fatalf("unknown field %s", name)
	}
	return e.Get(f)
}

func TestWorkedExample(t *testing.T) {
	en := newTestEnricher(Config{})
	o := one(t, en, getPayload("e=pv&url=https%3A%2F%2Fwww.acme.com%2Fshop%3Fq%3D1%23top&page=Shop&tv=js-3.5.0&p=web&aid=site&res=1920x1080&cookie=1&dtm=1712052929500&eid=5A305BF5-32FC-40D9-B0E8-66052F0F2C95"))
	if o.Stage != StageGood {
		t.Fatalf("stage %d, bad row %s", o.Stage, o.BadRow)
	}
	want := map[string]string{
		"event": "page_view", "event_id": "5a305bf5-32fc-40d9-b0e8-66052f0f2c95", "page_url": "https://www.acme.com/shop?q=1#top",
		"page_urlscheme": "https", "page_urlhost": "www.acme.com", "page_urlport": "443", "page_urlpath": "/shop",
		"page_urlquery": "q=1", "page_urlfragment": "top", "dvce_screenwidth": "1920", "dvce_screenheight": "1080",
		"br_cookies": "1", "dvce_created_tstamp": "2024-04-02 10:15:29.500", "v_collector": "plowbox-1.0.0",
		"v_etl": "plowbox-1.0.0", "etl_tstamp": "2026-04-02 10:15:30.123", "collector_tstamp": "2026-04-02 10:15:29.870",
		"derived_tstamp": "2026-04-02 10:15:29.870", "network_userid": "ecdff4d0-9175-40ac-a8bb-325c49733607",
		"user_ipaddress": "203.0.113.7", "useragent": "curl/8.5.0", "app_id": "site", "platform": "web",
		"page_title": "Shop", "v_tracker": "js-3.5.0", "event_vendor": "com.snowplowanalytics.snowplow",
		"event_name": "page_view", "event_format": "jsonschema", "event_version": "1-0-0", "derived_contexts": "",
	}
	for k, v := range want {
		if got := field(t, o.Event, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if o.Raw == nil || o.Raw.Vendor != "com.snowplowanalytics.snowplow" || o.Raw.Version != "tp1" {
		t.Errorf("raw event %+v", o.Raw)
	}
}

func TestParameters(t *testing.T) {
	tests := []struct {
		query string
		want  map[string]string
	}{
		{"e=pp&pp_mix=1&pp_max=-2&pp_miy=%2B3&pp_may=null", map[string]string{"event": "page_ping", "pp_xoffset_min": "1", "pp_xoffset_max": "-2", "pp_yoffset_min": "3", "pp_yoffset_max": ""}},
		{"e=se&se_ca=c&se_ac=a&se_la=l&se_pr=p&se_va=1E%2B3", map[string]string{"event": "struct", "se_category": "c", "se_action": "a", "se_label": "l", "se_property": "p", "se_value": "1000", "event_vendor": "com.google.analytics", "event_name": "event"}},
		{"e=ev&ev_ca=c&ev_ac=a&ev_la=l&ev_pr=p&ev_va=12.50", map[string]string{"event": "struct", "se_category": "c", "se_action": "a", "se_label": "l", "se_property": "p", "se_value": "12.50"}},
		{"e=tr&tr_id=o&tr_af=a&tr_tt=8000&tr_tx=0.0000001&tr_sh=null&tr_ci=c&tr_st=s&tr_co=UK&tr_cu=GBP&tid=028288", map[string]string{"event": "transaction", "tr_orderid": "o", "tr_affiliation": "a", "tr_total": "8000", "tr_tax": "1E-7", "tr_shipping": "", "tr_city": "c", "tr_state": "s", "tr_country": "UK", "tr_currency": "GBP", "txn_id": "28288"}},
		{"e=ti&ti_id=o&ti_sk=s&ti_na=old&ti_nm=n&ti_ca=c&ti_pr=1.5e1&ti_qu=2&ti_cu=EUR", map[string]string{"event": "transaction_item", "ti_orderid": "o", "ti_sku": "s", "ti_name": "n", "ti_category": "c", "ti_price": "15", "ti_quantity": "2", "ti_currency": "EUR"}},
		{"e=pv&aid=&tna=sp&tz=Europe%2FLondon&uid=u%09x&duid=d&vid=3&sid=85094061-F702-4B62-A46D-20F7226B4741&fp=f&lang=en&cs=UTF-8&cd=24&vp=800x600&ds=1000x2000",
			map[string]string{"app_id": "", "name_tracker": "sp", "os_timezone": "Europe/London", "user_id": "u    x", "domain_userid": "d", "domain_sessionidx": "3", "domain_sessionid": "85094061-f702-4b62-a46d-20f7226b4741", "user_fingerprint": "f", "br_lang": "en", "doc_charset": "UTF-8", "br_colordepth": "24", "br_viewwidth": "800", "br_viewheight": "600", "doc_width": "1000", "doc_height": "2000"}},
		{"e=pv&f_pdf=1&f_fla=0&f_java=1&f_dir=0&f_qt=1&f_realp=0&f_wma=1&f_gears=0&f_ag=1", map[string]string{"br_features_pdf": "1", "br_features_flash": "0", "br_features_java": "1", "br_features_director": "0", "br_features_quicktime": "1", "br_features_realplayer": "0", "br_features_windowsmedia": "1", "br_features_gears": "0", "br_features_silverlight": "1"}},
		{"e=pv&nuid=n1&tnuid=t1", map[string]string{"network_userid": "t1"}},
		{"e=pv&nuid=n1", map[string]string{"network_userid": "n1"}},
		{"e=pv&ip=1.2.3.4%2C%205.6.7.8&ua=UA%0Ax", map[string]string{"user_ipaddress": "1.2.3.4", "useragent": "UAx"}},
		{"e=pv&ip=9.9.9.9%7C1", map[string]string{"user_ipaddress": "9.9.9.9"}},
		{"e=pv&cv=custom", map[string]string{"v_collector": "custom"}},
		{"e=pv&dtm=1000&stm=1010&ttm=500", map[string]string{"true_tstamp": "1970-01-01 00:00:00.500", "derived_tstamp": "1970-01-01 00:00:00.500", "dvce_sent_tstamp": "1970-01-01 00:00:01.010"}},
		{"e=pv&dtm=1775124929500&stm=1775124929510", map[string]string{"derived_tstamp": "2026-04-02 10:15:29.860"}},
		{"e=pv&dtm=1775124929510&stm=1775124929500", map[string]string{"derived_tstamp": "2026-04-02 10:15:29.870"}},
		{"e=pv&p=srv&p=iot", map[string]string{"platform": "iot"}},
		{"e=pv&url=http%3A%2F%2Fa.com%3A8080%2Fp%20q%3Fx%3D1", map[string]string{"page_url": "http://a.com:8080/p%20q?x=1", "page_urlport": "8080", "page_urlpath": "/p%20q", "page_urlquery": "x=1", "page_urlfragment": ""}},
		{"e=pv&url=ftp%3A%2F%2Fa.com%2F", map[string]string{"page_urlport": "80", "page_urlscheme": "ftp", "page_urlpath": "/"}},
		{"e=pv&url=http%3A%2F%2Fa.com%2F%25zz", map[string]string{"page_url": "http://a.com/%25zz", "page_urlpath": "/%25zz"}},
		{"e=pv&refr=http%3A%2F%2Fwww.google.com%2Fsearch%3Fq%3D%250Agateway%2509oracle", map[string]string{"refr_urlscheme": "http", "refr_urlhost": "www.google.com", "refr_urlport": "80", "refr_urlpath": "/search", "refr_urlquery": "q=%0Agateway%09oracle"}},
		{"e=pv&url=https%3A%2F%2Fb.com%2F%3F_sp%3Dabc-123.1712052929500", map[string]string{"refr_domain_userid": "abc-123", "refr_dvce_tstamp": "2024-04-02 10:15:29.500"}},
		{"e=pv&a&b=", map[string]string{"event": "page_view"}},
	}
	en := newTestEnricher(Config{})
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			o := one(t, en, getPayload(tt.query))
			if o.Stage != StageGood {
				t.Fatalf("stage %d: %s", o.Stage, o.BadRow)
			}
			for k, v := range tt.want {
				if got := field(t, o.Event, k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// badRow decodes the failure messages of a bad row.
func badRow(t *testing.T, row []byte) (schema string, messages []json.RawMessage) {
	t.Helper()
	var br struct {
		Schema string `json:"schema"`
		Data   struct {
			Failure struct {
				Messages []json.RawMessage `json:"messages"`
			} `json:"failure"`
		} `json:"data"`
	}
	if err := json.Unmarshal(row, &br); err != nil {
		t.Fatalf("bad row is not JSON: %v\n%s", err, row)
	}
	return br.Schema, br.Data.Failure.Messages
}

func TestFailingVariants(t *testing.T) {
	tests := []struct {
		query      string
		schema     string
		msgContain []string // substrings of the messages JSON
		entity     string   // substring of derived_contexts
		nulled     []string // fields that must be null on the incomplete event
	}{
		{query: "e=pp&p=web&tv=lol&eid=invalidEventId", schema: badrows.SchemaSchemaViolations,
			msgContain: []string{`{"schemaKey":"iglu:com.snowplowanalytics.snowplow/atomic/jsonschema/1-0-0","error":{"error":"ValidationError","dataReports":[{"message":"Not a valid UUID","path":"eid","keyword":"atomic_field_parse_error","targets":[]}]}}`},
			entity:     `"errors":[{"message":"Not a valid UUID","source":"atomic_field","path":"eid","keyword":"atomic_field_parse_error","targets":[]}],"schema":"iglu:com.snowplowanalytics.snowplow/atomic/jsonschema/1-0-0"`},
		{query: "e=pv&res=1920X1080", schema: badrows.SchemaSchemaViolations, msgContain: []string{`"path":"res","keyword":"atomic_field_parse_error"`}, nulled: []string{"dvce_screenwidth"}},
		{query: "e=pv&cookie=true", schema: badrows.SchemaSchemaViolations, msgContain: []string{`"path":"cookie"`}, nulled: []string{"br_cookies"}},
		{query: "e=pv&p=desktop", schema: badrows.SchemaSchemaViolations, msgContain: []string{`"path":"p"`}, nulled: []string{"platform"}},
		{query: "e=xx", schema: badrows.SchemaSchemaViolations, msgContain: []string{`"path":"e"`}},
		{query: "e=pv&tid=2147483648&vid=x&ti_qu=1.5&pp_mix=a&se_va=abc&dtm=abc&stm=253402300800000&sid=1-1-1-1-1&f_pdf=2",
			schema:     badrows.SchemaSchemaViolations,
			msgContain: []string{`"path":"tid"`, `"path":"vid"`, `"path":"ti_qu"`, `"path":"pp_mix"`, `"path":"se_va"`, `"path":"dtm"`, `"path":"stm"`, `"path":"sid"`, `"path":"f_pdf"`}},
		{query: "e=pv&co=", schema: badrows.SchemaSchemaViolations, msgContain: []string{`{"field":"contexts","value":"","error":"invalid json: exhausted input"}`}, entity: `"failureType":"NotJSON"`},
		{query: "e=ue&ue_pr=%7B%22a%22%3A1%7D", schema: badrows.SchemaSchemaViolations, msgContain: []string{`{"json":{"a":1},"error":"INVALID_DATA_PAYLOAD"}`}, entity: `"failureType":"NotIglu","errors":[{"message":"Invalid data payload","source":"unstruct"}]`},
		{query: "e=ue&ue_px=%25%25", schema: badrows.SchemaSchemaViolations, msgContain: []string{`"field":"ue_properties"`, `invalid base64`}},
		{query: "e=ue&ue_pr=" + urlq(`{"schema":"iglu:com.acme/x/jsonschema/1-0-0","data":{}}`), schema: badrows.SchemaSchemaViolations,
			msgContain: []string{`{"schemaKey":"iglu:com.acme/x/jsonschema/1-0-0","schemaCriterion":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-*"}`},
			entity:     `"failureType":"CriterionMismatch","errors":[{"message":"Unexpected schema: iglu:com.acme/x/jsonschema/1-0-0 does not match the criterion","source":"unstruct","criterion":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-*"}]`},
		{query: "e=ue&ue_pr=" + urlq(`{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"bad","x":1}}`), schema: badrows.SchemaSchemaViolations,
			msgContain: []string{`"message":"$.data: is missing but it is required","path":"$","keyword":"required","targets":["data"]`, `"keyword":"additionalProperties","targets":["x"]`, `"path":"$.schema","keyword":"pattern"`}},
		{query: "e=pv&co=" + urlq(`{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[]}`), schema: badrows.SchemaSchemaViolations,
			msgContain: []string{`"keyword":"minItems"`}},
		{query: "e=pv&co=" + urlq(`{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[1]}`), schema: badrows.SchemaSchemaViolations,
			msgContain: []string{`"message":"$[0]: integer found, object expected","path":"$[0]","keyword":"type","targets":["integer","object"]`}},
		{query: "e=ad", schema: badrows.SchemaEnrichmentFailures,
			msgContain: []string{`{"enrichment":null,"message":{"error":"trying to extract the schema of the enriched event but event type [ad_impression] doesn't match any of page_view, page_ping, struct, transaction, transaction_item and unstruct"}}`},
			entity:     `"failureType":"EnrichmentError: unknown"`},
		{query: "tv=x", schema: badrows.SchemaEnrichmentFailures, msgContain: []string{`event type [null]`}},
		{query: "e=pv&url=http%3A%2F%2Fa%20b%3A99999%2F", schema: badrows.SchemaEnrichmentFailures, msgContain: []string{`"field":"page_url"`, `could not be parsed`}, nulled: []string{"page_url"}},
		{query: "e=pv&aid=" + strings.Repeat("%F0%9F%98%80", 128), schema: badrows.SchemaSchemaViolations,
			msgContain: []string{`{"message":"Field is longer than maximum allowed size 255","path":"app_id","keyword":"atomic_field_length_exceeded","targets":[]}`}, nulled: []string{"app_id"}},
	}
	en := newTestEnricher(Config{})
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			o := one(t, en, getPayload(tt.query))
			if o.Stage != StageValidation || o.Event == nil || o.Raw == nil {
				t.Fatalf("stage %d, event %v: want an incomplete event", o.Stage, o.Event)
			}
			schema, msgs := badRow(t, o.BadRow)
			if schema != tt.schema {
				t.Errorf("schema %s, want %s", schema, tt.schema)
			}
			all, _ := json.Marshal(msgs)
			for _, c := range tt.msgContain {
				if !strings.Contains(string(all), c) {
					t.Errorf("messages lack %s\n got %s", c, all)
				}
			}
			dc := o.Event.Get(event.DerivedContexts)
			if !strings.Contains(dc, `"schema":"iglu:com.snowplowanalytics.snowplow/failure/jsonschema/1-0-0"`) ||
				!strings.Contains(dc, `"timestamp":"2026-04-02T10:15:30.123Z","componentName":"plowbox","componentVersion":"1.0.0"`) {
				t.Errorf("derived_contexts lacks the failure entity: %s", dc)
			}
			if tt.entity != "" && !strings.Contains(dc, tt.entity) {
				t.Errorf("failure entity lacks %s\n got %s", tt.entity, dc)
			}
			for _, f := range tt.nulled {
				if v := field(t, o.Event, f); v != "" {
					t.Errorf("%s = %q, want null", f, v)
				}
			}
			if !strings.Contains(string(o.BadRow), `"processor":{"artifact":"plowbox","version":"1.0.0"}`) {
				t.Errorf("processor missing: %s", o.BadRow)
			}
		})
	}
}

// urlq percent-encodes s for a query string.
func urlq(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
	}
	return b.String()
}

func TestAcceptInvalid(t *testing.T) {
	en := newTestEnricher(Config{AcceptInvalid: true})
	o := one(t, en, getPayload("e=pv&aid="+strings.Repeat("x", 300)))
	if o.Stage != StageGood || len(field(t, o.Event, "app_id")) != 300 {
		t.Errorf("stage %d; want a good event keeping app_id", o.Stage)
	}
	en = newTestEnricher(Config{FieldLimits: map[string]int{"app_id": 400}})
	if o := one(t, en, getPayload("e=pv&aid="+strings.Repeat("x", 300))); o.Stage != StageGood {
		t.Errorf("stage %d with a raised limit", o.Stage)
	}
}
