package adapters

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
)

// vendorCase is one request to a vendor adapter and what it must give: either the events
// (each as its expected parameters, ue_pr and co compared as JSON) or the failure messages
// (as JSON).
type vendorCase struct {
	name  string
	query string  // raw query string
	body  *string // nil: no body
	ct    *string // nil: no content type
	want  []map[string]string
	fail  []string
}

// sp returns a pointer to s.
func sp(s string) *string { return &s }

// runVendor runs cases against the registered adapter of vendor/version.
func runVendor(t *testing.T, vendor, version string, cases []vendorCase) {
	t.Helper()
	a, ok := NewRegistry(Options{}).Lookup(vendor, version)
	if !ok {
		t.Fatalf("%s/%s is not registered", vendor, version)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &collector.Payload{Path: "/" + vendor + "/" + version, Querystring: tc.query, Body: tc.body, ContentType: tc.ct}
			q, err := event.ParseQuery(tc.query)
			if err != nil {
				t.Fatalf("parse query: %v", err)
			}
			evs, f := a.Adapt(p, q)
			if tc.fail != nil {
				if f == nil {
					t.Fatalf("got %d events, want failure", len(evs))
				}
				if f.Kind != AdapterFailures {
					t.Errorf("kind = %d, want adapter failures", f.Kind)
				}
				if len(f.Messages) != len(tc.fail) {
					t.Fatalf("got %d messages %s, want %d", len(f.Messages), mustJSON(t, f.Messages), len(tc.fail))
				}
				for i, m := range f.Messages {
					if got := mustJSON(t, m); !jsonSame(got, tc.fail[i]) {
						t.Errorf("message %d =\n %s\nwant\n %s", i, got, tc.fail[i])
					}
				}
				return
			}
			if f != nil {
				t.Fatalf("unexpected failure: %s", mustJSON(t, f.Messages))
			}
			if len(evs) != len(tc.want) {
				t.Fatalf("got %d events, want %d", len(evs), len(tc.want))
			}
			for i, ev := range evs {
				got := map[string]string{}
				for _, prm := range ev {
					if prm.Value != nil {
						got[prm.Name] = *prm.Value
					}
				}
				if len(got) != len(ev) {
					t.Errorf("event %d has repeated or valueless parameters: %v", i, ev)
				}
				for k, w := range tc.want[i] {
					g, ok := got[k]
					switch {
					case !ok:
						t.Errorf("event %d: missing %s", i, k)
					case k == "ue_pr" || k == "co":
						if !jsonSame(g, w) {
							t.Errorf("event %d: %s =\n %s\nwant\n %s", i, k, g, w)
						}
					case g != w:
						t.Errorf("event %d: %s = %q, want %q", i, k, g, w)
					}
				}
				for k := range got {
					if _, ok := tc.want[i][k]; !ok {
						t.Errorf("event %d: unexpected parameter %s=%q", i, k, got[k])
					}
				}
			}
		})
	}
}

// ue wraps a vendor event as the expected ue_pr.
func ue(schema, data string) string {
	return `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"` + schema + `","data":` + data + `}}`
}

// ev is the expected parameters of a webhook event with p=srv.
func ev(tv, schema, data string, extra ...string) map[string]string {
	m := map[string]string{"tv": tv, "e": "ue", "p": "srv", "ue_pr": ue(schema, data)}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}

// jsonSame compares two JSON texts as values.
func jsonSame(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// Shared failure messages.
const (
	failEmptyBody  = `{"field":"body","value":null,"expectation":"empty body: no events to process"}`
	failNoCTForm   = `{"field":"contentType","value":null,"expectation":"no content type: expected application/x-www-form-urlencoded"}`
	failNoCTJSON   = `{"field":"contentType","value":null,"expectation":"no content type: expected application/json"}`
	failJSONAsForm = `{"field":"contentType","value":"application/json","expectation":"expected application/x-www-form-urlencoded"}`
	failFormAsJSON = `{"field":"contentType","value":"application/x-www-form-urlencoded","expectation":"expected application/json"}`
)

var (
	ctFormP = sp(ctForm)
	ctJSONP = sp(ctJSON)
)

func TestCamelCase(t *testing.T) {
	for in, want := range map[string]string{
		"recipient-domain": "recipientDomain", "my_var_1": "myVar1", "my-var-2": "myVar2",
		"data.json": "data.json", "already": "already", "_lead": "lead", "x__y": "xY", "-": "-",
	} {
		if got := camelCase(in); got != want {
			t.Errorf("camelCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEpochToISO(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
		ok   bool
	}{
		{json.Number("1415709559"), "2014-11-11T12:39:19.000Z", true},
		{"1415709559", "2014-11-11T12:39:19.000Z", true},
		{"1473774819.263083", "2016-09-13T13:53:39.263Z", true},
		{"1307116657.1", "2011-06-03T15:57:37.100Z", true},
		{"abc", "", false},
		{"1.2.3", "", false},
		{true, "", false},
	} {
		got, ok := epochToISO(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("epochToISO(%v) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestTreeRoundTrip(t *testing.T) {
	for _, in := range []string{
		`{"a":1,"b":[true,null,"x"],"c":{"d":0.4331989288330078}}`,
		`[]`, `{}`, `"\u003chtml\u003e"`, `1e5`,
	} {
		v, err := parseTree(in, DefaultMaxJSONDepth)
		if err != nil {
			t.Fatalf("parseTree(%s): %v", in, err)
		}
		if got := string(marshalTree(v)); !jsonSame(got, in) {
			t.Errorf("round trip of %s = %s", in, got)
		}
	}
	v, _ := parseTree(`{"campaign":1,"x":2,"campaign":3}`, DefaultMaxJSONDepth)
	if got := string(marshalTree(v)); got != `{"campaign":3,"x":2}` {
		t.Errorf("duplicate key: got %s", got)
	}
	if _, err := parseTree(`{"a":`, DefaultMaxJSONDepth); err == nil {
		t.Error("truncated JSON parsed")
	}
}
