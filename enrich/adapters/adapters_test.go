package adapters

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
)

// render renders failure messages as compact JSON for comparison.
func render(t *testing.T, msgs []any) string {
	t.Helper()
	b, err := json.Marshal(msgs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// paramsString renders parameter lists as "a=1&b=2|…" for comparison.
func paramsString(evs []event.Params) string {
	var parts []string
	for _, ps := range evs {
		var kv []string
		for _, p := range ps {
			v := "<nil>"
			if p.Value != nil {
				v = *p.Value
			}
			kv = append(kv, p.Name+"="+v)
		}
		parts = append(parts, strings.Join(kv, "&"))
	}
	return strings.Join(parts, "|")
}

func payload(path, query string, body, ct *string) *collector.Payload {
	return &collector.Payload{Path: path, Querystring: query, Body: body, ContentType: ct,
		Timestamp: time.Date(2026, 4, 2, 10, 15, 29, 870e6, time.UTC), Collector: "plowbox-1.0.0", Encoding: "UTF-8"}
}

func mustQuery(t *testing.T, q string) event.Params {
	t.Helper()
	ps, err := event.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func s(v string) *string { return &v }

const sdjPD = `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":`

func TestAdapters(t *testing.T) {
	json := s("application/json")
	tests := []struct {
		name     string
		path     string
		query    string
		body     *string
		ct       *string
		want     string // events, when no failure
		wantKind FailureKind
		wantMsgs string
	}{
		{name: "tp1 one event", path: "/i", query: "e=pv&aid=a", want: "e=pv&aid=a"},
		{name: "tp1 ice.png", path: "/ice.png", query: "e=pp&x", want: "e=pp&x=<nil>"},
		{name: "tp1 empty", path: "/i", wantKind: AdapterFailures,
			wantMsgs: `[{"field":"querystring","value":null,"expectation":"empty querystring: not a valid URI redirect"}]`},
		{name: "unknown vendor", path: "/com.acme/v9", query: "a=1", wantKind: AdapterFailures,
			wantMsgs: `[{"field":"vendor/version","value":"com.acme/v9","expectation":"vendor/version combination is not supported"}]`},
		{name: "tp2 no body no query", path: "/com.snowplowanalytics.snowplow/tp2", wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"field":"body","value":null,"expectation":"empty body: not a valid tracker protocol event"},{"field":"querystring","value":null,"expectation":"empty querystring: not a valid tracker protocol event"}]`},
		{name: "tp2 query only", path: "/com.snowplowanalytics.snowplow/tp2", query: "e=se&aid=x", want: "e=se&aid=x"},
		{name: "tp2 body without content type", path: "/com.snowplowanalytics.snowplow/tp2", body: s(sdjPD + `[{"e":"pv","tv":"t","p":"web"}]}`),
			wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"field":"contentType","value":null,"expectation":"expected one of application/json, application/json; charset=utf-8, application/json; charset=UTF-8"}]`},
		{name: "tp2 text/plain", path: "/com.snowplowanalytics.snowplow/tp2", body: s(sdjPD + `[{"e":"pv","tv":"t","p":"web"}]}`), ct: s("text/plain"),
			wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"field":"contentType","value":"text/plain","expectation":"expected one of application/json, application/json; charset=utf-8, application/json; charset=UTF-8"}]`},
		{name: "tp2 charset any case", path: "/com.snowplowanalytics.snowplow/tp2", body: s(sdjPD + `[{"e":"pv","tv":"t","p":"web"}]}`),
			ct: s("application/json; charset=UTF-8"), want: "e=pv&tv=t&p=web"},
		{name: "tp2 batch with query merged", path: "/com.snowplowanalytics.snowplow/tp2", query: "tv=0&nuid=123",
			body: s(sdjPD + `[{"tv":"1","p":"web","e":"pv"},{"tv":"2","p":"mob","e":"se"}]}`), ct: json,
			want: "p=web&e=pv&tv=0&nuid=123|p=mob&e=se&tv=0&nuid=123"},
		{name: "tp2 not json", path: "/com.snowplowanalytics.snowplow/tp2", body: s("body"), ct: json, wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"field":"body","value":"body","error":"invalid json: invalid character 'b' looking for beginning of value"}]`},
		{name: "tp2 not sdj", path: "/com.snowplowanalytics.snowplow/tp2", body: s(`{"not":"self-desc"}`), ct: json, wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"json":{"not":"self-desc"},"error":"INVALID_DATA_PAYLOAD"}]`},
		{name: "tp2 wrong schema", path: "/com.snowplowanalytics.snowplow/tp2", ct: json,
			body:     s(`{"schema":"iglu:com.snowplowanalytics.snowplow/geolocation_context/jsonschema/1-0-0","data":{}}`),
			wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"schemaKey":"iglu:com.snowplowanalytics.snowplow/geolocation_context/jsonschema/1-0-0","schemaCriterion":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-*"}]`},
		{name: "tp2 empty array", path: "/com.snowplowanalytics.snowplow/tp2", ct: json, body: s(sdjPD + `[]}`), wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"schemaKey":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","error":{"error":"ValidationError","dataReports":[{"message":"$: expected at least 1 items but found 0","path":"$","keyword":"minItems","targets":["1"]}]}}]`},
		{name: "tp2 object data", path: "/com.snowplowanalytics.snowplow/tp2", ct: json, body: s(sdjPD + `{}}`), wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"schemaKey":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","error":{"error":"ValidationError","dataReports":[{"message":"$: object found, array expected","path":"$","keyword":"type","targets":["object","array"]}]}}]`},
		{name: "tp2 missing required and unknown key", path: "/com.snowplowanalytics.snowplow/tp2", ct: json,
			body:     s(sdjPD + `[{"tv":"a","p":"web","e":"pv"},{"new":"foo","cv":"x"}]}`),
			wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"schemaKey":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","error":{"error":"ValidationError","dataReports":[` +
				`{"message":"$[1].tv: is missing but it is required","path":"$[1]","keyword":"required","targets":["tv"]},` +
				`{"message":"$[1].p: is missing but it is required","path":"$[1]","keyword":"required","targets":["p"]},` +
				`{"message":"$[1].e: is missing but it is required","path":"$[1]","keyword":"required","targets":["e"]},` +
				`{"message":"$[1].new: is not defined in the schema and the schema does not allow additional properties","path":"$[1]","keyword":"additionalProperties","targets":["new"]},` +
				`{"message":"$[1].cv: is not defined in the schema and the schema does not allow additional properties","path":"$[1]","keyword":"additionalProperties","targets":["cv"]}]}}]`},
		{name: "tp2 non-string values", path: "/com.snowplowanalytics.snowplow/tp2", ct: json,
			body:     s(sdjPD + `[{"tv":"a","p":"web","e":"pv","aid":null,"vid":3}]}`),
			wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"schemaKey":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","error":{"error":"ValidationError","dataReports":[` +
				`{"message":"value cannot be null","path":"$[0].aid","keyword":"type","targets":["null","string"]},` +
				`{"message":"value is not a string","path":"$[0].vid","keyword":"type","targets":["integer","string"]}]}}]`},
		{name: "tp2 key of a later version", path: "/com.snowplowanalytics.snowplow/tp2", ct: json,
			body:     s(`{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-0","data":[{"tv":"a","p":"web","e":"pv","ttm":"1"}]}`),
			wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"schemaKey":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-0","error":{"error":"ValidationError","dataReports":[{"message":"$[0].ttm: is not defined in the schema and the schema does not allow additional properties","path":"$[0]","keyword":"additionalProperties","targets":["ttm"]}]}}]`},
		{name: "tp2 unknown version", path: "/com.snowplowanalytics.snowplow/tp2", ct: json,
			body:     s(`{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-9","data":[{"tv":"a","p":"web","e":"pv"}]}`),
			wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"schemaKey":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-9","error":{"error":"ResolutionError","lookupHistory":[{"repository":"Iglu Client Embedded","errors":[{"error":"NotFound"}],"attempts":1,"lastAttempt":"2026-04-02T10:15:29.870Z"}]}}]`},
		{name: "redirect no query", path: "/r/tp2", wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"field":"querystring","value":null,"expectation":"empty querystring: not a valid URI redirect"}]`},
		{name: "redirect no u", path: "/r/tp2", query: "aid=test", wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"field":"querystring","value":"aid=test","expectation":"missing ` + "`u`" + ` parameter: not a valid URI redirect"}]`},
		{name: "redirect no e", path: "/r/tp2", query: "u=https%3A%2F%2Fgithub.com%2Fsnowplow&cx=dGVzdA",
			want: `cx=dGVzdA&tv=r-tp2&p=web&e=ue&ue_pr={"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.snowplowanalytics.snowplow/uri_redirect/jsonschema/1-0-0","data":{"uri":"https://github.com/snowplow"}}}`},
		{name: "redirect e no contexts", path: "/r/tp2", query: "u=https%3A%2F%2Fa.b%2F&e=se&aid=ads&p=mob",
			want: `e=se&aid=ads&p=mob&tv=r-tp2&co={"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/uri_redirect/jsonschema/1-0-0","data":{"uri":"https://a.b/"}}]}`},
		{name: "redirect e empty co", path: "/r/tp2", query: "u=x&e=se&co=",
			want: `e=se&co={"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/uri_redirect/jsonschema/1-0-0","data":{"uri":"x"}}]}&tv=r-tp2&p=web`},
		{name: "redirect e with co", path: "/r/tp2",
			query: "u=x&e=se&co=" + `%7B%22data%22%3A%5B%7B%22schema%22%3A%22iglu%3Aa%2Fb%2Fjsonschema%2F1-0-0%22%2C%22data%22%3A%7B%22n%22%3A1.50%7D%7D%5D%2C%22schema%22%3A%22iglu%3Acom.snowplowanalytics.snowplow%2Fcontexts%2Fjsonschema%2F1-0-0%22%7D`,
			want:  `e=se&co={"data":[{"schema":"iglu:com.snowplowanalytics.snowplow/uri_redirect/jsonschema/1-0-0","data":{"uri":"x"}},{"schema":"iglu:a/b/jsonschema/1-0-0","data":{"n":1.50}}],"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0"}&tv=r-tp2&p=web`},
		{name: "redirect corrupted co", path: "/r/tp2", query: "u=x&e=se&co=%7B%5B-", wantKind: TrackerProtocolViolations,
			wantMsgs: `[{"field":"co|cx","value":"{[-","error":"invalid json: invalid character '[' looking for beginning of object key string"}]`},
		{name: "redirect e with cx", path: "/r/tp2",
			query: "u=x&e=se&cx=" + EncodeBase64URL(`{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[]}`),
			want:  `e=se&cx=` + EncodeBase64URL(`{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/uri_redirect/jsonschema/1-0-0","data":{"uri":"x"}}]}`) + `&tv=r-tp2&p=web`},
		{name: "iglu query only", path: "/com.snowplowanalytics.iglu/v1",
			query: "schema=iglu%3Acom.acme%2Fcampaign%2Fjsonschema%2F1-0-0&user=u1&name=download&source=&aid=hooks&cv=c&nuid=n&eid=e1",
			want:  `tv=com.snowplowanalytics.iglu-v1&e=ue&p=app&nuid=n&aid=hooks&cv=c&eid=e1&ue_pr={"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/campaign/jsonschema/1-0-0","data":{"user":"u1","name":"download","source":null,"eid":"e1"}}}`},
		{name: "iglu platform", path: "/com.snowplowanalytics.iglu/v1", query: "schema=iglu%3Acom.acme%2Fc%2Fjsonschema%2F1-0-1&a=b&p=mob",
			want: `tv=com.snowplowanalytics.iglu-v1&e=ue&p=mob&ue_pr={"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/c/jsonschema/1-0-1","data":{"a":"b"}}}`},
		{name: "iglu nothing", path: "/com.snowplowanalytics.iglu/v1", query: "p=mob", wantKind: AdapterFailures,
			wantMsgs: `[{"field":"schema","value":null,"expectation":"empty ` + "`schema`" + ` field"},{"field":"body","value":null,"expectation":"empty body"}]`},
		{name: "iglu bad schema", path: "/com.snowplowanalytics.iglu/v1", query: "schema=iglooooooo%3A%2F%2Fblah", wantKind: AdapterFailures,
			wantMsgs: `[{"field":"schema","value":"iglooooooo://blah","expectation":"INVALID_IGLUURI"}]`},
		{name: "iglu json body", path: "/com.snowplowanalytics.iglu/v1", query: "schema=iglu%3Acom.acme%2Fc%2Fjsonschema%2F1-0-1&some=foo&p=mob",
			body: s(`{"key":"value", "n":1.0}`), ct: json,
			want: `tv=com.snowplowanalytics.iglu-v1&e=ue&p=mob&ue_pr={"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/c/jsonschema/1-0-1","data":{"key":"value","n":1.0}}}`},
		{name: "iglu json array body", path: "/com.snowplowanalytics.iglu/v1", query: "schema=iglu%3Acom.acme%2Fc%2Fjsonschema%2F1-0-1",
			body: s(`[{"k":1},{"k":2}]`), ct: json,
			want: `tv=com.snowplowanalytics.iglu-v1&e=ue&p=app&ue_pr={"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/c/jsonschema/1-0-1","data":{"k":1}}}` +
				`|tv=com.snowplowanalytics.iglu-v1&e=ue&p=app&ue_pr={"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/c/jsonschema/1-0-1","data":{"k":2}}}`},
		{name: "iglu empty array", path: "/com.snowplowanalytics.iglu/v1", query: "schema=iglu%3Acom.acme%2Fc%2Fjsonschema%2F1-0-1",
			body: s(`[]`), ct: json, wantKind: AdapterFailures,
			wantMsgs: `[{"field":"body","value":"[]","expectation":"empty array of events"}]`},
		{name: "iglu empty object", path: "/com.snowplowanalytics.iglu/v1", query: "schema=iglu%3Acom.acme%2Fc%2Fjsonschema%2F1-0-1",
			body: s(`{}`), ct: json, wantKind: AdapterFailures,
			wantMsgs: `[{"field":"body","value":"{}","expectation":"has no key-value pairs"}]`},
		{name: "iglu form body", path: "/com.snowplowanalytics.iglu/v1", query: "schema=iglu%3Acom.acme%2Fc%2Fjsonschema%2F1-0-1",
			body: s("some_param=foo&hello=world"), ct: s("application/x-www-form-urlencoded"),
			want: `tv=com.snowplowanalytics.iglu-v1&e=ue&p=srv&ue_pr={"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/c/jsonschema/1-0-1","data":{"some_param":"foo","hello":"world"}}}`},
		{name: "iglu body bad content type", path: "/com.snowplowanalytics.iglu/v1", query: "schema=iglu%3Acom.acme%2Fc%2Fjsonschema%2F1-0-1",
			body: s(`{"a":1}`), ct: s("application/badtype"), wantKind: AdapterFailures,
			wantMsgs: `[{"field":"contentType","value":"application/badtype","expectation":"expected one of application/json, application/json; charset=utf-8, application/x-www-form-urlencoded"}]`},
		{name: "iglu sdj body", path: "/com.snowplowanalytics.iglu/v1", query: "p=mob",
			body: s(`{"schema":"iglu:com.acme/c/jsonschema/1-0-1", "data":{"some_param":"foo"}}`), ct: json,
			want: `tv=com.snowplowanalytics.iglu-v1&e=ue&p=mob&ue_pr={"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/c/jsonschema/1-0-1","data":{"some_param":"foo"}}}`},
		{name: "iglu sdj body wrong content type", path: "/com.snowplowanalytics.iglu/v1",
			body: s(`{"schema":"iglu:com.acme/c/jsonschema/1-0-1","data":{}}`), ct: s("application/xxx"), wantKind: AdapterFailures,
			wantMsgs: `[{"field":"contentType","value":"application/xxx","expectation":"expected one of application/json, application/json; charset=utf-8"}]`},
		{name: "iglu non-sdj body", path: "/com.snowplowanalytics.iglu/v1", body: s(`{"a":1}`), ct: json, wantKind: AdapterFailures,
			wantMsgs: `[{"json":{"a":1},"error":"INVALID_DATA_PAYLOAD"}]`},
	}
	reg := NewRegistry(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := payload(tt.path, tt.query, tt.body, tt.ct)
			evs, fail := reg.Adapt(p, mustQuery(t, tt.query))
			if tt.wantKind != 0 {
				if fail == nil {
					t.Fatalf("got events %s, want failure", paramsString(evs))
				}
				if fail.Kind != tt.wantKind {
					t.Errorf("kind = %d, want %d", fail.Kind, tt.wantKind)
				}
				if got := render(t, fail.Messages); got != tt.wantMsgs {
					t.Errorf("messages\n got %s\nwant %s", got, tt.wantMsgs)
				}
				return
			}
			if fail != nil {
				t.Fatalf("unexpected failure %s", render(t, fail.Messages))
			}
			if got := paramsString(evs); got != tt.want {
				t.Errorf("events\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestRegistryRegister(t *testing.T) {
	reg := NewRegistry(Options{})
	called := false
	reg.Register("com.acme", "v1", AdapterFunc(func(*collector.Payload, event.Params) ([]event.Params, *Failure) {
		called = true
		return []event.Params{{{Name: "e", Value: s("pv")}}}, nil
	}))
	evs, fail := reg.Adapt(payload("/com.acme/v1", "", nil, nil), nil)
	if !called || fail != nil || len(evs) != 1 {
		t.Fatalf("registered adapter not used: called=%v fail=%v evs=%v", called, fail, evs)
	}
}

func TestDecodeBase64(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "aGVsbG8=", want: "hello"},
		{in: "aGVsbG8", want: "hello"},
		{in: "aGVs\nbG8 =", want: "hello"},
		{in: "-_-_", want: "\ufffd"},
		{in: "+/+/", want: "\ufffd"},
		{in: "P_8-", want: "?\ufffd>"},
		{in: "Pz8-", want: "??>"},
		{in: "Pz8+", want: "??>"},
		{in: "", want: ""},
		{in: "¢¢", err: true},
		{in: "ab=c", err: true},
		{in: "dGVzdHRlc3R0ZXN0", want: "testtesttest"},
	}
	for _, tt := range tests {
		got, err := DecodeBase64(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("DecodeBase64(%q) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.err)
		}
	}
	for _, in := range []string{"", "a", "ab", "abc", "abcd", `{"x":"ü"}`} {
		if got, err := DecodeBase64(EncodeBase64URL(in)); err != nil || got != in {
			t.Errorf("round trip %q = %q, %v", in, got, err)
		}
	}
}

func TestParseSDJ(t *testing.T) {
	tests := []struct{ in, code string }{
		{`{"schema":"iglu:com.acme/x/jsonschema/1-0-0","data":{}}`, ""},
		{`{"schema":"iglu:com.acme/x/jsonschema/1-0-0"}`, InvalidDataPayload},
		{`{"schema":"iglu:com.acme/x/jsonschema/0-0-0","data":1}`, InvalidSchemaVer},
		{`{"schema":"iglu:com.acme/x/jsonschema/1-0","data":1}`, InvalidSchemaVer},
		{`{"schema":"com.acme/x/jsonschema/1-0-0","data":1}`, InvalidIgluURI},
		{`{"schema":1,"data":1}`, InvalidDataPayload},
		{`[1]`, InvalidDataPayload},
	}
	for _, tt := range tests {
		if _, code := ParseSDJ(json.RawMessage(tt.in)); code != tt.code {
			t.Errorf("ParseSDJ(%s) = %q, want %q", tt.in, code, tt.code)
		}
	}
}

func TestParseJSONDepth(t *testing.T) {
	deep := strings.Repeat("[", 51) + strings.Repeat("]", 51)
	if _, err := ParseJSON(deep, 50); err == nil {
		t.Error("depth 51 accepted with limit 50")
	}
	if _, err := ParseJSON(deep[1:len(deep)-1], 50); err != nil {
		t.Errorf("depth 50 rejected: %v", err)
	}
	if _, err := ParseJSON(`{"a":"[[[[["}`, 2); err != nil {
		t.Errorf("brackets in strings counted: %v", err)
	}
}
