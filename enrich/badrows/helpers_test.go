package badrows

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
)

// igluDir is the Iglu Central copy of the shared test data.
const igluDir = "../../../shared/testdata/iglu-central/schemas"

// schemaValidator compiles Iglu Central schemas (draft-04, with the Iglu meta-schema URI
// replaced) on demand.
type schemaValidator struct {
	c     *jsonschema.Compiler
	cache map[string]*jsonschema.Schema
}

func newSchemaValidator() *schemaValidator {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	return &schemaValidator{c: c, cache: map[string]*jsonschema.Schema{}}
}

// validate checks an SDJ's data against the schema its URI names.
func (v *schemaValidator) validate(t *testing.T, sdj []byte) {
	t.Helper()
	if err := v.check(t, sdj); err != nil {
		t.Errorf("bad row does not validate: %v\n%s", err, sdj)
	}
}

// check returns the validation error of an SDJ's data against its schema.
func (v *schemaValidator) check(t *testing.T, sdj []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(sdj))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, sdj)
	}
	obj := inst.(map[string]any)
	uri := obj["schema"].(string)
	sch, ok := v.cache[uri]
	if !ok {
		path := filepath.Join(igluDir, strings.TrimPrefix(uri, "iglu:"))
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Skipf("Iglu Central copy not available: %v", err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		doc.(map[string]any)["$schema"] = "http://json-schema.org/draft-04/schema#"
		loc := "file:///" + strings.TrimPrefix(uri, "iglu:")
		if err := v.c.AddResource(loc, doc); err != nil {
			t.Fatal(err)
		}
		if sch, err = v.c.Compile(loc); err != nil {
			t.Fatal(err)
		}
		v.cache[uri] = sch
	}
	return sch.Validate(obj["data"])
}

func ptr(s string) *string { return &s }

var (
	testProc = Processor{Artifact: "plowbox", Version: "1.0.0"}
	failTS   = time.Date(2026, 4, 2, 10, 15, 30, 123_000_000, time.UTC)
	recvTS   = time.Date(2026, 4, 2, 10, 15, 29, 870_000_000, time.UTC)
)

const (
	testUA   = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
	testNUID = "ecdff4d0-9175-40ac-a8bb-325c49733607"
)

// tp2Payload is the collector payload of the spec's §6 example.
func tp2Payload(body string) *collector.Payload {
	return &collector.Payload{
		Schema:      collector.PayloadSchema,
		IPAddress:   "203.0.113.7",
		Timestamp:   recvTS,
		Encoding:    "UTF-8",
		Collector:   "plowbox-1.0.0",
		UserAgent:   ptr(testUA),
		RefererURI:  ptr("https://www.acme.com/"),
		Path:        "/com.snowplowanalytics.snowplow/tp2",
		Querystring: "",
		Body:        ptr(body),
		Headers: []string{
			"Host: collector.acme.com",
			"User-Agent: " + testUA,
			"Origin: https://www.acme.com",
			"Referer: https://www.acme.com/",
			"Content-Type: application/json; charset=UTF-8",
			"Cookie: sp=" + testNUID,
			"X-Forwarded-For: 203.0.113.7",
			"application/json; charset=utf-8",
		},
		ContentType:   ptr("application/json; charset=utf-8"),
		Hostname:      ptr("collector.acme.com"),
		NetworkUserID: ptr(testNUID),
	}
}

// exampleEvent builds the raw and incomplete events of the spec's §6 example.
func exampleEvent() (*event.RawEvent, *event.Event) {
	params := [][2]string{
		{"e", "ue"}, {"eid", "5a305bf5-32fc-40d9-b0e8-66052f0f2c95"}, {"tv", "js-3.5.0"}, {"tna", "sp"},
		{"aid", "website"}, {"p", "web"}, {"url", "https://www.acme.com/"},
		{"duid", "85094061-f702-4b62-a46d-20f7226b4741"}, {"vid", "3"}, {"dtm", "1775124929500"},
		{"stm", "1775124929510"},
		{"ue_px", "eyJzY2hlbWEiOiJpZ2x1OmNvbS5zbm93cGxvd2FuYWx5dGljcy5zbm93cGxvdy91bnN0cnVjdF9ldmVudC9qc29uc2NoZW1hLzEtMC0wIiwiZGF0YSI6eyJzY2hlbWEiOiJpZ2x1OmNvbS5zbm93cGxvd2FuYWx5dGljcy5zbm93cGxvdy9saW5rX2NsaWNrL2pzb25zY2hlbWEvMS0wLTEiLCJkYXRhIjp7ImVsZW1lbnRJZCI6ImJ1eSJ9fX0"},
	}
	raw := &event.RawEvent{Vendor: "com.snowplowanalytics.snowplow", Version: "tp2", Payload: tp2Payload(`{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[]}`)}
	for _, p := range params {
		raw.Params = append(raw.Params, event.Param{Name: p[0], Value: ptr(p[1])})
	}
	e := &event.Event{}
	set := map[event.Field]string{
		event.AppID: "website", event.Platform: "web", event.EtlTstamp: "2026-04-02 10:15:30.123",
		event.CollectorTstamp: "2026-04-02 10:15:29.870", event.DvceCreatedTstamp: "2026-04-02 10:15:29.500",
		event.EventType: "unstruct", event.EventID: "5a305bf5-32fc-40d9-b0e8-66052f0f2c95", event.NameTracker: "sp",
		event.VTracker: "js-3.5.0", event.VCollector: "plowbox-1.0.0", event.VEtl: "plowbox-1.0.0",
		event.UserIPAddress: "203.0.113.7", event.DomainUserid: "85094061-f702-4b62-a46d-20f7226b4741",
		event.DomainSessionidx: "3", event.NetworkUserid: testNUID, event.PageURL: "https://www.acme.com/",
		event.PageURLscheme: "https", event.PageURLhost: "www.acme.com", event.PageURLport: "443",
		event.PageURLpath: "/", event.Useragent: testUA, event.DvceSentTstamp: "2026-04-02 10:15:29.510",
		event.DerivedTstamp: "2026-04-02 10:15:29.860",
	}
	for f, v := range set {
		e.Set(f, v)
	}
	fe := FailureEntity(Failure{
		Type: "ValidationError",
		Errors: []FailureError{{
			Message: "$.targetUrl: is missing but it is required", Source: "unstruct",
			Path: ptr("$"), Keyword: ptr("required"), Targets: []string{"targetUrl"},
		}},
		Schema:    "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
		Data:      []byte(`{"elementId":"buy"}`),
		Timestamp: failTS,
		Processor: testProc,
	})
	e.Set(event.DerivedContexts, "["+string(fe)+"]")
	return raw, e
}

// linkClickError is the IgluError of the spec's §6 example.
func linkClickError() IgluError {
	return IgluError{
		SchemaKey: "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
		Error: ClientError{Error: "ValidationError", DataReports: []DataReport{{
			Message: "$.targetUrl: is missing but it is required", Path: "$", Keyword: "required",
			Targets: []string{"targetUrl"},
		}}},
	}
}
