package enrich

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

func TestPayloadLevelFailures(t *testing.T) {
	big := strings.Repeat("x", 2000)
	tests := []struct {
		name    string
		mod     func(p *collector.Payload)
		cfg     Config
		stage   Stage
		schema  string
		contain []string
	}{
		{name: "size", cfg: Config{MaxPayloadSize: 1000}, mod: func(p *collector.Payload) { p.Querystring = "e=pv&aid=" + big },
			stage: StageSize, schema: badrows.SchemaSizeViolation,
			contain: []string{`"maximumAllowedSizeBytes":1000`, `"expectation":"oversized collector payload: Payload exceeds max size of 1000. Actual length: `,
				`"payload":"{\"api\":{\"vendor\":\"com.snowplowanalytics.snowplow\",\"version\":\"tp1\"},\"querystring\":[\"e=pv\",`}},
		{name: "bad path", mod: func(p *collector.Payload) { p.Path = "/a/b/c" }, stage: StageLoad, schema: badrows.SchemaCollectorPayloadFormatViolation,
			contain: []string{`"loader":"thrift","message":{"error":"Request path /a/b/c does not match`}},
		{name: "bad query", mod: func(p *collector.Payload) { p.Querystring = "e=pv&x=%zz" }, stage: StageLoad, schema: badrows.SchemaCollectorPayloadFormatViolation,
			contain: []string{`could not parse the querystring`}},
		{name: "nuid poisoning", mod: func(p *collector.Payload) { p.NetworkUserID = str("abc") }, stage: StageLoad, schema: badrows.SchemaCollectorPayloadFormatViolation,
			contain: []string{`"message":{"payloadField":"networkUserId","value":"abc","expectation":"a valid UUID"}`}},
		{name: "bad schema", mod: func(p *collector.Payload) { p.Schema = "iglu:com.acme/x/thrift/1-0-0" }, stage: StageLoad, schema: badrows.SchemaCollectorPayloadFormatViolation},
		{name: "tp1 empty", mod: func(p *collector.Payload) { p.Querystring = "" }, stage: StageAdapter, schema: badrows.SchemaAdapterFailures,
			contain: []string{`"vendor":"com.snowplowanalytics.snowplow","version":"tp1","messages":[{"field":"querystring","value":null,"expectation":"empty querystring: not a valid URI redirect"}]`}},
		{name: "unknown vendor", mod: func(p *collector.Payload) { p.Path = "/com.acme/v1" }, stage: StageAdapter, schema: badrows.SchemaAdapterFailures,
			contain: []string{`vendor/version combination is not supported`}},
		{name: "redirect without u", mod: func(p *collector.Payload) { p.Path = "/r/tp2" }, stage: StageAdapter, schema: badrows.SchemaTrackerProtocolViolations,
			contain: []string{`"vendor":"r","version":"tp2"`, "missing `u` parameter"}},
		{name: "tp2 bad content type", mod: func(p *collector.Payload) {
			p.Path, p.Body, p.ContentType = "/com.snowplowanalytics.snowplow/tp2", str(`{}`), str("text/plain")
		}, stage: StageAdapter, schema: badrows.SchemaTrackerProtocolViolations},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			en := newTestEnricher(tt.cfg)
			p := getPayload("e=pv")
			tt.mod(p)
			o := one(t, en, p)
			if o.Stage != tt.stage || o.Event != nil || o.Raw != nil {
				t.Fatalf("stage %d event %v raw %v, want stage %d alone", o.Stage, o.Event, o.Raw, tt.stage)
			}
			if schema, _ := badRow(t, o.BadRow); schema != tt.schema {
				t.Errorf("schema %s, want %s", schema, tt.schema)
			}
			for _, c := range tt.contain {
				if !strings.Contains(string(o.BadRow), c) {
					t.Errorf("bad row lacks %s\n%s", c, o.BadRow)
				}
			}
		})
	}
}

func TestSizeViolationTruncates(t *testing.T) {
	en := newTestEnricher(Config{MaxPayloadSize: 1000})
	p := getPayload("e=pv&aid=" + strings.Repeat("y", 5000))
	var row struct {
		Data struct {
			Payload string `json:"payload"`
		} `json:"data"`
	}
	if err := json.Unmarshal(one(t, en, p).BadRow, &row); err != nil {
		t.Fatal(err)
	}
	if len(row.Data.Payload) != 100 {
		t.Errorf("payload has %d characters, want 100", len(row.Data.Payload))
	}
}

func TestTP2Batch(t *testing.T) {
	body := `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[
 {"e":"pv","url":"https://www.acme.com/","tv":"js-3.5.0","p":"web","aid":"shop"},
 {"e":"ue","ue_pr":"{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\",\"data\":{\"schema\":\"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1\",\"data\":{\"foo\":\"bar\"}}}","tv":"js-3.5.0","p":"web","aid":"shop"}]}`
	p := getPayload("aid=fromquery")
	p.Path, p.Body, p.ContentType = "/com.snowplowanalytics.snowplow/tp2", &body, str("application/json; charset=utf-8")
	v := &fakeValidator{invalid: map[string]bool{"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1": true}}
	res := newTestEnricher(Config{Validator: v}).Process(context.Background(), p)
	if len(res.Outputs) != 2 {
		t.Fatalf("got %d outputs", len(res.Outputs))
	}
	if o := res.Outputs[0]; o.Stage != StageGood || o.Event.Get(event.EventType) != "page_view" || o.Event.Get(event.AppID) != "fromquery" {
		t.Errorf("first output: stage %d event %q app_id %q", o.Stage, o.Event.Get(event.EventType), o.Event.Get(event.AppID))
	}
	o := res.Outputs[1]
	if o.Stage != StageValidation || o.Event.Get(event.UnstructEvent) != "" || o.Event.Get(event.EventVendor) != "" {
		t.Fatalf("second output: stage %d unstruct %q", o.Stage, o.Event.Get(event.UnstructEvent))
	}
	if !strings.Contains(string(o.BadRow), `"schemaKey":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","error":{"error":"ValidationError"`) {
		t.Errorf("bad row: %s", o.BadRow)
	}
	if !strings.Contains(o.Event.Get(event.DerivedContexts), `"source":"unstruct","path":"$","keyword":"required","targets":["targetUrl"]}],"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","data":{"foo":"bar"}`) {
		t.Errorf("failure entity: %s", o.Event.Get(event.DerivedContexts))
	}
}

// fakeValidator rejects the schemas in invalid, supersedes those in superseded, and
// cannot resolve those in missing.
type fakeValidator struct {
	invalid    map[string]bool
	superseded map[string]string
	missing    map[string]bool
}

func (f *fakeValidator) Validate(_ context.Context, schema string, _ json.RawMessage) Validation {
	switch {
	case f.invalid[schema]:
		return Validation{Schema: schema, Error: &badrows.ClientError{Error: "ValidationError", DataReports: []badrows.DataReport{
			{Message: "$.targetUrl: is missing but it is required", Path: "$", Keyword: "required", Targets: []string{"targetUrl"}}}}}
	case f.missing[schema]:
		return Validation{Schema: schema, Error: &badrows.ClientError{Error: "ResolutionError", LookupHistory: []badrows.LookupHistory{
			{Repository: "Iglu Central", Errors: []badrows.RegistryError{{Error: "NotFound"}}, Attempts: 1, LastAttempt: testNow}}}}
	case f.superseded[schema] != "":
		return Validation{Schema: f.superseded[schema]}
	}
	return Validation{Schema: schema}
}

func TestContextsValidation(t *testing.T) {
	co := `{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[` +
		`{"schema":"iglu:com.acme/good/jsonschema/1-0-0","data":{"n":1.50,"b":"x","a":1}},` +
		`{"schema":"iglu:com.acme/bad/jsonschema/1-0-0","data":{}},` +
		`{"schema":"iglu:com.acme/old/jsonschema/1-0-0","data":{"k":1}},` +
		`{"schema":"iglu:com.acme/gone/jsonschema/1-0-0","data":{}}]}`
	v := &fakeValidator{
		invalid:    map[string]bool{"iglu:com.acme/bad/jsonschema/1-0-0": true},
		superseded: map[string]string{"iglu:com.acme/old/jsonschema/1-0-0": "1-0-1"},
		missing:    map[string]bool{"iglu:com.acme/gone/jsonschema/1-0-0": true},
	}
	o := one(t, newTestEnricher(Config{Validator: v}), getPayload("e=pv&cx="+urlq(base64URL(co))))
	if o.Stage != StageValidation {
		t.Fatalf("stage %d", o.Stage)
	}
	wantCtx := `[{"schema":"iglu:com.acme/good/jsonschema/1-0-0","data":{"n":1.50,"b":"x","a":1}},{"schema":"iglu:com.acme/old/jsonschema/1-0-1","data":{"k":1}}]`
	if got := o.Event.Get(event.Contexts); got != wantCtx {
		t.Errorf("contexts\n got %s\nwant %s", got, wantCtx)
	}
	dc := o.Event.Get(event.DerivedContexts)
	for _, want := range []string{
		`"failureType":"ValidationError"`,
		`"failureType":"ResolutionError","errors":[{"message":"Resolution error: schema iglu:com.acme/gone/jsonschema/1-0-0 not found","source":"contexts","lookupHistory":[{"repository":"Iglu Central"`,
		`{"schema":"iglu:com.snowplowanalytics.iglu/validation_info/jsonschema/1-0-0","data":{"originalSchema":"iglu:com.acme/old/jsonschema/1-0-0","validatedWith":"1-0-1"}}]`,
	} {
		if !strings.Contains(dc, want) {
			t.Errorf("derived_contexts lacks %s\n%s", want, dc)
		}
	}
	if !strings.HasPrefix(dc, `[{"schema":"iglu:com.snowplowanalytics.snowplow/failure/jsonschema/1-0-0"`) {
		t.Errorf("failure entities must come first: %s", dc)
	}
}

func base64URL(s string) string {
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	for i := 0; i < len(s); i += 3 {
		var c [3]byte
		n := copy(c[:], s[i:])
		v := uint32(c[0])<<16 | uint32(c[1])<<8 | uint32(c[2])
		for j := 0; j <= n; j++ {
			b.WriteByte(a[v>>(18-6*j)&63])
		}
	}
	return b.String()
}

func TestSupersededUnstruct(t *testing.T) {
	ue := `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"data":{"x":1},"schema":"iglu:com.acme/ev/jsonschema/1-0-0"}}`
	v := &fakeValidator{superseded: map[string]string{"iglu:com.acme/ev/jsonschema/1-0-0": "iglu:com.acme/ev/jsonschema/1-0-2"}}
	o := one(t, newTestEnricher(Config{Validator: v}), getPayload("e=ue&ue_pr="+urlq(ue)))
	if o.Stage != StageGood {
		t.Fatalf("stage %d: %s", o.Stage, o.BadRow)
	}
	if got := o.Event.Get(event.UnstructEvent); got != `{"schema":"iglu:com.acme/ev/jsonschema/1-0-2","data":{"x":1}}` {
		t.Errorf("unstruct_event %s", got)
	}
	if got := o.Event.SchemaURI(); got != "iglu:com.acme/ev/jsonschema/1-0-2" {
		t.Errorf("schema %s", got)
	}
	if !strings.Contains(o.Event.Get(event.DerivedContexts), `"validatedWith":"1-0-2"`) {
		t.Errorf("derived_contexts %s", o.Event.Get(event.DerivedContexts))
	}
}

// stubEnrichment records its position and returns fixed contexts or an error.
type stubEnrichment struct {
	step  int
	id    string
	ctxs  []json.RawMessage
	err   error
	trace *[]string
}

func (s stubEnrichment) Info() EnrichmentInfo {
	return EnrichmentInfo{Step: s.step, Identifier: s.id, SchemaKey: "iglu:com.acme/" + s.id + "/jsonschema/1-0-0"}
}

func (s stubEnrichment) Enrich(_ context.Context, e *event.Event, _ *Input) ([]json.RawMessage, error) {
	*s.trace = append(*s.trace, s.id+":"+e.Get(event.EventVendor))
	return s.ctxs, s.err
}

func TestEnrichmentHook(t *testing.T) {
	var trace []string
	cfg := Config{Enrichments: []Enrichment{
		stubEnrichment{step: 18, id: "late", ctxs: []json.RawMessage{json.RawMessage(`{"schema":"iglu:com.acme/b/jsonschema/1-0-0","data":{}}`)}, trace: &trace},
		stubEnrichment{step: 6, id: "early", ctxs: []json.RawMessage{json.RawMessage(`{"schema":"iglu:com.acme/a/jsonschema/1-0-0","data":{}}`)}, trace: &trace},
	}}
	o := one(t, newTestEnricher(cfg), getPayload("e=pv"))
	if o.Stage != StageGood {
		t.Fatalf("stage %d: %s", o.Stage, o.BadRow)
	}
	if got := strings.Join(trace, ","); got != "early:,late:com.snowplowanalytics.snowplow" {
		t.Errorf("order %s", got)
	}
	want := `[{"schema":"iglu:com.acme/b/jsonschema/1-0-0","data":{}},{"schema":"iglu:com.acme/a/jsonschema/1-0-0","data":{}}]`
	if got := o.Event.Get(event.DerivedContexts); got != want {
		t.Errorf("derived_contexts %s, want %s", got, want)
	}

	trace = nil
	cfg = Config{Enrichments: []Enrichment{stubEnrichment{step: 22, id: "sql", err: errors.New("boom"), trace: &trace}}}
	o = one(t, newTestEnricher(cfg), getPayload("e=pv"))
	if !strings.Contains(string(o.BadRow), `{"enrichment":{"schemaKey":"iglu:com.acme/sql/jsonschema/1-0-0","identifier":"sql"},"message":{"error":"boom"}}`) {
		t.Errorf("bad row %s", o.BadRow)
	}
	if !strings.Contains(o.Event.Get(event.DerivedContexts), `"failureType":"EnrichmentError: sql"`) {
		t.Errorf("derived_contexts %s", o.Event.Get(event.DerivedContexts))
	}

	cfg = Config{Enrichments: []Enrichment{stubEnrichment{step: 21, id: "js", err: ErrDrop, trace: &trace}}}
	if res := newTestEnricher(cfg).Process(context.Background(), getPayload("e=pv")); len(res.Outputs) != 0 {
		t.Errorf("dropped event produced %d outputs", len(res.Outputs))
	}

	cfg = Config{Validator: &fakeValidator{invalid: map[string]bool{"iglu:com.acme/a/jsonschema/1-0-0": true}}, Enrichments: []Enrichment{
		stubEnrichment{step: 6, id: "ua", ctxs: []json.RawMessage{json.RawMessage(`{"schema":"iglu:com.acme/a/jsonschema/1-0-0","data":{}}`)}, trace: &trace}}}
	o = one(t, newTestEnricher(cfg), getPayload("e=pv"))
	if schema, _ := badRow(t, o.BadRow); schema != badrows.SchemaSchemaViolations || strings.Contains(o.Event.Get(event.DerivedContexts), `"schema":"iglu:com.acme/a/jsonschema/1-0-0","data":{}}`) {
		t.Errorf("invalid derived context: %s\n%s", o.BadRow, o.Event.Get(event.DerivedContexts))
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct {
		headers []string
		ip      string
		want    string
	}{
		{nil, "10.0.0.1", "10.0.0.1"},
		{[]string{"x-forwarded-for: 203.0.113.7, 70.41.3.18"}, "10.0.0.1", "203.0.113.7"},
		{[]string{"X-Forwarded-For: \"[2001:db8::1]\"", "X-Forwarded-For: 1.1.1.1"}, "10.0.0.1", "2001:db8::1"},
		{[]string{"Forwarded: for=192.0.2.60;proto=http", "Forwarded: for=\"[2001:db8:cafe::17]:4711\""}, "10.0.0.1", "2001:db8:cafe::17"},
		{[]string{"Forwarded: for=192.0.2.60", "X-Forwarded-For: 5.5.5.5"}, "10.0.0.1", "5.5.5.5"},
		{nil, "unknown", "unknown"},
		{nil, "1.2.3.4|5", "1.2.3.4"},
	}
	for _, tt := range tests {
		if got := clientIP(&collector.Payload{Headers: tt.headers, IPAddress: tt.ip}); got != tt.want {
			t.Errorf("clientIP(%v, %s) = %s, want %s", tt.headers, tt.ip, got, tt.want)
		}
	}
}

func TestCanonicalDecimal(t *testing.T) {
	tests := map[string]string{
		"12.50": "12.50", "1E+3": "1000", "1e3": "1000", "35708.23": "35708.23", "-0.5": "-0.5", "+7": "7",
		"0.0000001": "1E-7", "0.000001": "0.000001", "1.5e1": "15", "1.25e1": "12.5", ".5": "0.5", "5.": "5",
		"00012": "12", "0": "0", "-0": "0", "1.0E-10": "1.0E-10",
	}
	for in, want := range tests {
		if got, err := canonicalDecimal(in); err != nil || got != want {
			t.Errorf("canonicalDecimal(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "1e", "1.2.3", "--1", "1e+", "NaN", "1,5"} {
		if got, err := canonicalDecimal(bad); err == nil {
			t.Errorf("canonicalDecimal(%q) = %q, want an error", bad, got)
		}
	}
}

func TestMicroPayloadJSON(t *testing.T) {
	p := getPayload("e=pp&p=web&tv=lol&flag")
	q, _ := event.ParseQuery(p.Querystring)
	got := string(AppendMicroPayloadJSON(nil, p, q))
	want := `{"api":{"vendor":"com.snowplowanalytics.snowplow","version":"tp1"},"querystring":["e=pp","p=web","tv=lol","flag"],` +
		`"contentType":null,"body":null,"source":{"name":"plowbox-1.0.0","encoding":"UTF-8","hostname":"localhost"},` +
		`"context":{"timestamp":"2026-04-02T10:15:29.870Z","ipAddress":"203.0.113.7","useragent":"curl/8.5.0","refererUri":null,` +
		`"headers":["Host: localhost","User-Agent: curl/8.5.0"],"userId":"ecdff4d0-9175-40ac-a8bb-325c49733607"}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
