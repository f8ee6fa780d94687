package event

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/internal/testkit"
)

// objectKeys returns the top-level keys of a JSON object in order.
func objectKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %v %v", tok, err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestSerialisationsGolden(t *testing.T) {
	for _, tc := range canonicalEvents() {
		t.Run(tc.name, func(t *testing.T) {
			tsv := tc.ev.TSV()
			testkit.Golden(t, tc.name+".tsv.golden", tsv)
			if n := len(strings.Split(string(tsv), "\t")); n != NumFields {
				t.Errorf("TSV has %d columns, want %d", n, NumFields)
			}
			if bytes.ContainsAny(tsv, "\n\r") {
				t.Errorf("TSV contains a line break")
			}

			sdk := tc.ev.AppendSDKJSON(nil)
			testkit.Golden(t, tc.name+".sdk.json.golden", sdk)
			keys := objectKeys(t, sdk)
			if len(keys) != NumFields {
				t.Fatalf("SDK JSON has %d keys", len(keys))
			}
			for f, k := range keys {
				if k != Fields[f].SDKName {
					t.Errorf("SDK key %d = %q, want %q", f, k, Fields[f].SDKName)
				}
			}

			partial := tc.ev.AppendPartialJSON(nil)
			testkit.Golden(t, tc.name+".partial.json.golden", partial)
			keys = objectKeys(t, partial)
			for f, k := range keys {
				if k != Fields[f].Name {
					t.Errorf("partial key %d = %q, want %q", f, k, Fields[f].Name)
				}
			}

			lossy := tc.ev.AppendLossyJSON(nil)
			testkit.Golden(t, tc.name+".lossy.json.golden", lossy)
			keys = objectKeys(t, lossy)
			if len(keys) < NumFields-3 {
				t.Fatalf("lossy JSON has %d keys", len(keys))
			}
			for i, k := range keys[:NumFields-3] {
				if strings.HasPrefix(k, "contexts") || k == "unstruct_event" || k == "derived_contexts" {
					t.Errorf("lossy atomic key %d is %q", i, k)
				}
			}
		})
	}
}

// TestSDKJSONValues decodes the SDK JSON and checks each field's rendering against the
// Event's text, independently of the golden files.
func TestSDKJSONValues(t *testing.T) {
	for _, tc := range canonicalEvents() {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(tc.ev.AppendSDKJSON(nil)))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for f, fi := range Fields {
			got, s := m[fi.SDKName], tc.ev.Get(Field(f))
			switch {
			case fi.Kind == KindContexts:
				obj := got.(map[string]any)
				if hasEntities(s) != (obj["schema"] == ContextsSchemaSDK) {
					t.Errorf("%s.%s = %v", tc.name, fi.SDKName, got)
				}
			case s == "":
				if got != nil {
					t.Errorf("%s.%s = %v, want null", tc.name, fi.SDKName, got)
				}
			case fi.Kind == KindString:
				if got != s {
					t.Errorf("%s.%s = %q, want %q", tc.name, fi.SDKName, got, s)
				}
			case fi.Kind == KindBool:
				if got != (s == "1") {
					t.Errorf("%s.%s = %v, want %v", tc.name, fi.SDKName, got, s)
				}
			case fi.Kind == KindTimestamp:
				want := strings.Replace(s, " ", "T", 1)
				want = strings.TrimSuffix(want, ".000") + "Z"
				if got != want {
					t.Errorf("%s.%s = %v, want %v", tc.name, fi.SDKName, got, want)
				}
			case fi.Kind == KindInt, fi.Kind == KindDouble, fi.Kind == KindFloat:
				n, ok := got.(json.Number)
				g, _ := n.Float64()
				w, _ := json.Number(s).Float64()
				if !ok || g != w {
					t.Errorf("%s.%s = %v, want %v", tc.name, fi.SDKName, got, s)
				}
			}
		}
	}
}

func TestLossyContextsMerge(t *testing.T) {
	var m map[string]json.RawMessage
	ev := canonicalEvents()[0].ev
	if err := json.Unmarshal(ev.AppendLossyJSON(nil), &m); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ key, want string }{
		{"contexts_com_snowplowanalytics_snowplow_web_page_1", `[{"id":"a0b5d8d9-6c3b-4b55-9b2b-7c1d3b1f4e22","_schema_version":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0"},{"id":"second","_schema_version":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0"}]`},
		{"contexts_org_w3_performance_timing_1", `[{"derived":true,"_schema_version":"iglu:org.w3/PerformanceTiming/jsonschema/1-0-0"}]`},
		{"contexts_com_snowplowanalytics_snowplow_ua_parser_context_1", `[{"useragentFamily":"Chrome","useragentMajor":"124","osFamily":"Linux","_schema_version":"iglu:com.snowplowanalytics.snowplow/ua_parser_context/jsonschema/1-0-0"}]`},
	}
	for _, tt := range tests {
		if got := string(m[tt.key]); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.key, got, tt.want)
		}
	}
	if _, ok := m["contexts"]; ok {
		t.Error("lossy JSON has a contexts key")
	}
}

func TestTSVCleansOutput(t *testing.T) {
	e := &Event{}
	e.Set(PageTitle, "a\tb\nc\x7f")
	e.Set(Contexts, "[\n{\"schema\":\"iglu:a/b/jsonschema/1-0-0\",\t\"data\":{}}]")
	cols := strings.Split(string(e.TSV()), "\t")
	if got := cols[PageTitle]; got != "a    bc" {
		t.Errorf("page_title = %q", got)
	}
	want := `{"schema":"` + ContextsSchemaTSV + `","data":[{"schema":"iglu:a/b/jsonschema/1-0-0",    "data":{}}]}`
	if got := cols[Contexts]; got != want {
		t.Errorf("contexts = %q, want %q", got, want)
	}
}

func TestSchemaURIAndContextURIs(t *testing.T) {
	evs := canonicalEvents()
	if got := evs[0].ev.SchemaURI(); got != "iglu:com.snowplowanalytics.snowplow/page_view/jsonschema/1-0-0" {
		t.Errorf("SchemaURI = %q", got)
	}
	if got := evs[4].ev.SchemaURI(); got != "" {
		t.Errorf("incomplete SchemaURI = %q", got)
	}
	got := strings.Join(evs[0].ev.ContextURIs(), " ")
	want := "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0 iglu:org.w3/PerformanceTiming/jsonschema/1-0-0 iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0"
	if got != want {
		t.Errorf("ContextURIs = %q", got)
	}
	if got := evs[4].ev.ContextURIs(); got != nil {
		t.Errorf("ContextURIs of [] = %q", got)
	}
}
