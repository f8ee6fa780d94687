package badrows

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/internal/testkit"
)

// badRowCases builds one or more bad rows of every type plowbox produces.
func badRowCases() []struct {
	name string
	row  []byte
} {
	raw, inc := exampleEvent()
	get := tp2Payload("")
	get.Path, get.Body, get.ContentType = "/i", nil, nil
	get.Querystring = "e=pv&url=https%3A%2F%2Fwww.acme.com%2F&page=Home+%26+garden&flag&" + "long=" + strings.Repeat("x", 600)
	long := strings.Repeat("é", 700)
	atomic := IgluError{
		SchemaKey: "iglu:com.snowplowanalytics.snowplow/atomic/jsonschema/1-0-0",
		Error: ClientError{Error: "ValidationError", DataReports: []DataReport{
			{Message: "Not a valid UUID", Path: "eid", Keyword: "atomic_field_parse_error", Targets: []string{}},
		}},
	}
	resolution := IgluError{
		SchemaKey: "iglu:com.acme/missing/jsonschema/1-0-0",
		Error: ClientError{Error: "ResolutionError", LookupHistory: []LookupHistory{{
			Repository: "Iglu Central", Attempts: 1, LastAttempt: failTS,
			Errors: []RegistryError{{Error: "NotFound"}, {Error: "RepoFailure", Message: strings.Repeat("m", 300)}},
		}}},
	}
	return []struct {
		name string
		row  []byte
	}{
		{"size_violation", SizeViolation(testProc, failTS, 1000, 1500123, strings.Repeat("p", 150))},
		{"cpfv_error", CollectorPayloadFormatViolation(testProc, failTS,
			LoaderMessage{Error: "Could not parse query string: malformed escape %zz"}, ThriftBase64(get))},
		{"cpfv_field", CollectorPayloadFormatViolation(testProc, failTS,
			LoaderMessage{PayloadField: "networkUserId", Value: ptr("abc"), Expectation: "a valid UUID"}, ThriftBase64(get))},
		{"adapter_failures", AdapterFailures(testProc, failTS, "com.acme", "v1", []any{
			InputData{Field: "vendor/version", Value: ptr("com.acme/v1"), Expectation: "vendor/version combination is not supported"},
			NotJSON{Field: "body", Value: ptr("{not json"), Error: "invalid character 'n'"},
			NotIglu{JSON: json.RawMessage(`{"a":1}`), Error: "INVALID_IGLUURI"},
			SchemaMapping{Actual: ptr("order.created"), ExpectedMapping: Mapping{
				{"order.paid", "iglu:com.acme/order_paid/jsonschema/1-0-0"}, {"ship", "iglu:com.acme/ship/jsonschema/1-0-0"}},
				Expectation: "no schema associated with the provided type parameter"},
			InputData{Field: "querystring", Value: nil, Expectation: long},
		}, get)},
		{"tracker_protocol_violations", TrackerProtocolViolations(testProc, failTS, "com.snowplowanalytics.snowplow", "tp2", []any{
			InputData{Field: "contentType", Value: ptr("text/plain"), Expectation: "Content type of text/plain provided, expected one of: application/json, application/json; charset=utf-8"},
			&NotJSON{Field: "body", Value: nil, Error: "unexpected end of JSON input"},
			NotIglu{JSON: nil, Error: "INVALID_SCHEMA"},
			CriterionMismatch{SchemaKey: "iglu:com.acme/x/jsonschema/1-0-0", SchemaCriterion: "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-*"},
			IgluError{SchemaKey: "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4", Error: ClientError{
				Error: "ValidationError", DataReports: []DataReport{{Message: "$.data: there must be a minimum of 1 items in the array", Path: "$.data", Keyword: "minItems", Targets: []string{"1"}}}}},
			resolution,
		}, tp2Payload(`{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[]}`))},
		{"schema_violations", SchemaViolations(testProc, failTS, []any{linkClickError(), atomic,
			NotJSON{Field: "ue_px", Value: ptr("eyJ"), Error: "unexpected end of input"}}, inc, raw)},
		{"enrichment_failures", EnrichmentFailures(testProc, failTS, []EnrichmentMessage{
			{Enrichment: nil, Message: InputData{Field: "page_urlhost", Value: ptr("a b"), Expectation: "Provided URI [a b] could not be parsed"}},
			{Enrichment: &EnrichmentInfo{SchemaKey: "iglu:com.snowplowanalytics.snowplow.enrichments/api_request_enrichment_config/jsonschema/1-0-2", Identifier: "api-request"},
				Message: ErrorMessage{Error: long}},
			{Enrichment: nil, Message: &ErrorMessage{Error: "trying to extract the schema of the enriched event but event type [ad_impression] doesn't match any of page_view, page_ping, struct, transaction, transaction_item and unstruct"}},
			{Enrichment: nil, Message: linkClickError()},
		}, inc, raw)},
	}
}

func TestBadRowsGoldenAndSchemas(t *testing.T) {
	v := newSchemaValidator()
	for _, tc := range badRowCases() {
		t.Run(tc.name, func(t *testing.T) {
			if !json.Valid(tc.row) {
				t.Fatalf("invalid JSON: %s", tc.row)
			}
			testkit.Golden(t, tc.name+".golden", tc.row)
			v.validate(t, tc.row)
		})
	}
}

// TestValidatorRejects makes sure the schema check can fail: rows with a key too many, a
// missing required key, an uncapped field and a bad processor version are rejected.
func TestValidatorRejects(t *testing.T) {
	v := newSchemaValidator()
	good := SizeViolation(testProc, failTS, 10, 20, "x")
	bad := map[string][]byte{
		"extra key":       bytes.Replace(good, []byte(`"expectation"`), []byte(`"extra":1,"expectation"`), 1),
		"missing key":     bytes.Replace(good, []byte(`"actualSizeBytes":20,`), nil, 1),
		"bad version":     SizeViolation(Processor{Artifact: "plowbox", Version: "dev"}, failTS, 10, 20, "x"),
		"uncapped vendor": bytes.Replace(AdapterFailures(testProc, failTS, "v", "1", nil, tp2Payload("")), []byte(`"vendor":"v"`), []byte(`"vendor":"`+strings.Repeat("v", 65)+`"`), 1),
	}
	if err := v.check(t, good); err != nil {
		t.Fatalf("good row rejected: %v", err)
	}
	for name, row := range bad {
		if err := v.check(t, row); err == nil {
			t.Errorf("%s: accepted %s", name, row)
		}
	}
}

func TestFailureEntityValidates(t *testing.T) {
	v := newSchemaValidator()
	_, inc := exampleEvent()
	var list []json.RawMessage
	if err := json.Unmarshal([]byte(inc.Get(event.DerivedContexts)), &list); err != nil {
		t.Fatal(err)
	}
	others := []Failure{
		{Type: "NotJSON", Errors: []FailureError{{Message: "unexpected end", Source: "contexts"}},
			Data: json.RawMessage(`{"contexts": "eyJ"}`), Timestamp: failTS, Processor: testProc},
		{Type: "ResolutionError", Errors: []FailureError{{Message: "Resolution error: schema iglu:com.acme/x/jsonschema/1-0-0 not found",
			Source: "unstruct", LookupHistory: []LookupHistory{{Repository: "Iglu Central", Errors: []RegistryError{{Error: "NotFound"}}, LastAttempt: failTS}}}},
			Schema: "iglu:com.acme/x/jsonschema/1-0-0", Data: json.RawMessage(`{}`), Timestamp: failTS, Processor: testProc},
		{Type: "EnrichmentError: api_request", Errors: []FailureError{{Message: "boom"}}, Timestamp: failTS, Processor: testProc},
	}
	var golden []byte
	for _, f := range others {
		list = append(list, FailureEntity(f))
	}
	for _, ent := range list {
		v.validate(t, ent)
		golden = append(append(golden, ent...), '\n')
	}
	testkit.Golden(t, "failure_entities.golden", golden)
}

// TestSpecExample rebuilds the complete schema_violations example of bad-rows.md §6 and
// compares it, compacted, with the spec's text.
func TestSpecExample(t *testing.T) {
	md, err := os.ReadFile("../../../shared/spec/bad-rows.md")
	if err != nil {
		t.Skipf("spec not available: %v", err)
	}
	sec := string(md[bytes.Index(md, []byte("## 6. Complete")):])
	sec = sec[:strings.Index(sec, "## 7.")]
	start := strings.LastIndex(sec, "```json\n") + len("```json\n")
	end := strings.Index(sec[start:], "```")
	var want bytes.Buffer
	if err := json.Compact(&want, []byte(sec[start:start+end])); err != nil {
		t.Fatal(err)
	}
	raw, inc := exampleEvent()
	got := SchemaViolations(testProc, failTS, []any{linkClickError()}, inc, raw)
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("§6 example mismatch\n got: %s\nwant: %s", got, want.Bytes())
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"éééé", 3, "éé…"},
		{"", 1, ""},
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.max); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
	long := strings.Repeat("😀", 600)
	if got := []rune(truncate(long, capParam)); len(got) != capParam || got[len(got)-1] != '…' {
		t.Errorf("truncate of 600 emoji: %d runes", len(got))
	}
}

func TestSizeViolationCutsPayload(t *testing.T) {
	row := SizeViolation(testProc, failTS, 100, 250, strings.Repeat("é", 50))
	var br struct {
		Data struct {
			Payload string `json:"payload"`
		} `json:"data"`
	}
	if err := json.Unmarshal(row, &br); err != nil {
		t.Fatal(err)
	}
	if br.Data.Payload != strings.Repeat("é", 10) {
		t.Errorf("payload = %q", br.Data.Payload)
	}
}

func TestTimestampIsUTCMillis(t *testing.T) {
	ts := time.Date(2014, 1, 16, 1, 49, 58, 278_999_999, time.FixedZone("CET", 3600))
	row := SizeViolation(testProc, ts, 10, 20, "")
	if !bytes.Contains(row, []byte(`"timestamp":"2014-01-16T00:49:58.278Z"`)) {
		t.Errorf("timestamp not UTC ms: %s", row)
	}
}
