package iglu

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/internal/testkit"
)

// newTestValidator returns a validator over the shared Iglu Central (embedded) and an
// in-memory built-in registry.
func newTestValidator(t testing.TB) (*Validator, *MemoryRepository) {
	t.Helper()
	mem := NewMemoryRepository("plowbox")
	r := NewResolver(Options{
		CacheSize:    100,
		Builtin:      mem,
		Repositories: []Repository{NewEmbeddedRepository("Iglu Central", 0, nil, igluCentral)},
		Logger:       discardLogger(),
	})
	return NewValidator(r, discardLogger()), mem
}

func TestValidateLinkClickOverHTTP(t *testing.T) {
	reg := newRegistry(t)
	r := NewResolver(Options{CacheSize: 10, Repositories: []Repository{reg.httpRepo("Iglu Central", 0)}, Logger: discardLogger()})
	v := NewValidator(r, discardLogger())
	ctx := context.Background()
	tests := []struct {
		name string
		data string
		want []badrows.DataReport
	}{
		{"valid", `{"targetUrl":"https://acme.com/","elementId":"buy"}`, nil},
		{"missing targetUrl", `{"elementId":"buy"}`, []badrows.DataReport{
			{Message: "$.targetUrl: is missing but it is required", Path: "$", Keyword: "required", Targets: []string{"targetUrl"}},
		}},
		{"wrong type", `{"targetUrl":5}`, []badrows.DataReport{
			{Message: "$.targetUrl: integer found, string expected", Path: "$.targetUrl", Keyword: "type", Targets: []string{"integer", "string"}},
		}},
		{"array element", `{"targetUrl":"x","elementClasses":["a",true]}`, []badrows.DataReport{
			{Message: "$.elementClasses[1]: boolean found, string expected", Path: "$.elementClasses[1]", Keyword: "type", Targets: []string{"boolean", "string"}},
		}},
		{"extra property and short url", `{"targetUrl":"","foo":1}`, []badrows.DataReport{
			{Message: "$.foo: is not defined in the schema and the schema does not allow additional properties", Path: "$", Keyword: "additionalProperties", Targets: []string{"foo"}},
			{Message: "$.targetUrl: must be at least 1 characters long", Path: "$.targetUrl", Keyword: "minLength", Targets: []string{"1"}},
		}},
		{"not an object", `"x"`, []badrows.DataReport{
			{Message: "$: string found, object expected", Path: "$", Keyword: "type", Targets: []string{"string", "object"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := v.Validate(ctx, linkClick, json.RawMessage(tt.data))
			if got.Schema != linkClick {
				t.Errorf("Schema = %q, want %q", got.Schema, linkClick)
			}
			if tt.want == nil {
				if got.Error != nil {
					t.Fatalf("Error = %+v, want valid", got.Error)
				}
				return
			}
			if got.Error == nil || got.Error.Error != "ValidationError" {
				t.Fatalf("Error = %+v, want a ValidationError", got.Error)
			}
			if !reflect.DeepEqual(got.Error.DataReports, tt.want) {
				t.Errorf("dataReports = %+v\nwant %+v", got.Error.DataReports, tt.want)
			}
		})
	}
	if got := reg.hits.Load(); got != 1 {
		t.Errorf("registry asked %d times for %d validations, want 1 (cached)", got, len(tests))
	}
}

func TestValidateUnknownSchema(t *testing.T) {
	v, _ := newTestValidator(t)
	got := v.Validate(context.Background(), "iglu:com.acme/nope/jsonschema/1-0-0", json.RawMessage(`{}`))
	if got.Error == nil || got.Error.Error != "ResolutionError" || len(got.Error.LookupHistory) != 2 {
		t.Fatalf("Error = %+v, want a ResolutionError from both repositories", got.Error)
	}
	for _, h := range got.Error.LookupHistory {
		if !reflect.DeepEqual(h.Errors, []badrows.RegistryError{{Error: "NotFound"}}) {
			t.Errorf("%s: %+v, want NotFound", h.Repository, h.Errors)
		}
	}
	if got := v.Validate(context.Background(), "not-iglu", json.RawMessage(`{}`)); got.Error == nil || got.Error.Error != "ResolutionError" {
		t.Errorf("bad URI: %+v, want a ResolutionError", got.Error)
	}
}

func TestValidateSuperseded(t *testing.T) {
	v, mem := newTestValidator(t)
	mem.Put(mustKey(t, "iglu:com.acme/thing/jsonschema/1-0-0"), []byte(`{"$schema":"`+IgluMetaSchema+`",
		"self":{"vendor":"com.acme","name":"thing","format":"jsonschema","version":"1-0-0"},
		"$supersededBy":"1-0-1","type":"object","required":["a"]}`))
	mem.Put(mustKey(t, "iglu:com.acme/thing/jsonschema/1-0-1"), []byte(`{"$schema":"`+IgluMetaSchema+`",
		"self":{"vendor":"com.acme","name":"thing","format":"jsonschema","version":"1-0-1"},
		"type":"object","required":["b"]}`))
	ctx := context.Background()
	ok := v.Validate(ctx, "iglu:com.acme/thing/jsonschema/1-0-0", json.RawMessage(`{"b":1}`))
	if ok.Error != nil || ok.Schema != "iglu:com.acme/thing/jsonschema/1-0-1" {
		t.Errorf("valid for 1-0-1: %+v, want no error and Schema 1-0-1", ok)
	}
	bad := v.Validate(ctx, "iglu:com.acme/thing/jsonschema/1-0-0", json.RawMessage(`{"a":1}`))
	if bad.Error == nil || bad.Error.SupersededBy == nil || *bad.Error.SupersededBy != "1-0-1" || bad.Error.DataReports[0].Targets[0] != "b" {
		t.Errorf("invalid for 1-0-1: %+v, want a ValidationError for b with supersededBy 1-0-1", bad.Error)
	}
}

func TestValidateSchemaIssues(t *testing.T) {
	v, mem := newTestValidator(t)
	mem.Put(mustKey(t, "iglu:com.acme/broken/jsonschema/1-0-0"), []byte(`{"type":"object","properties":{"x":{"type":"strin"}}}`))
	got := v.Validate(context.Background(), "iglu:com.acme/broken/jsonschema/1-0-0", json.RawMessage(`{}`))
	if got.Error == nil || got.Error.Error != "ValidationError" || len(got.Error.SchemaIssues) == 0 || got.Error.DataReports != nil {
		t.Fatalf("Error = %+v, want a ValidationError with schemaIssues", got.Error)
	}
	if p := got.Error.SchemaIssues[0].Path; p != "$.properties.x.type" {
		t.Errorf("schema issue path = %q, want $.properties.x.type", p)
	}
	if issues := v.CheckSchema(mustKey(t, linkClick), []byte(`{"type":"object"}`)); issues != nil {
		t.Errorf("CheckSchema of a valid schema: %+v", issues)
	}
}

func TestValidateNeverFetchesRemoteRefs(t *testing.T) {
	reg := newRegistry(t)
	v, mem := newTestValidator(t)
	mem.Put(mustKey(t, "iglu:com.acme/refs/jsonschema/1-0-0"), []byte(`{"type":"object",
		"properties":{
			"remote":{"$ref":"`+reg.URL+`/schemas/com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1#/properties/targetUrl"},
			"meta":{"$ref":"http://json-schema.org/draft-04/schema#"},
			"local":{"$ref":"#/definitions/s"}},
		"definitions":{"s":{"type":"string"}}}`))
	ctx := context.Background()
	if got := v.Validate(ctx, "iglu:com.acme/refs/jsonschema/1-0-0", json.RawMessage(`{"remote":42,"meta":{"type":5},"local":"x"}`)); got.Error != nil {
		t.Errorf("remote $refs must match anything: %+v", got.Error)
	}
	if got := v.Validate(ctx, "iglu:com.acme/refs/jsonschema/1-0-0", json.RawMessage(`{"local":1}`)); got.Error == nil {
		t.Error("local $ref not applied")
	}
	if n := reg.hits.Load(); n != 0 {
		t.Errorf("the remote $ref was fetched %d times", n)
	}
}

func TestValidateFormatsAndPatterns(t *testing.T) {
	v, mem := newTestValidator(t)
	mem.Put(mustKey(t, "iglu:com.acme/formats/jsonschema/1-0-0"), []byte(`{"type":"object","properties":{
		"dt":{"format":"date-time"},"email":{"format":"email"},"host":{"format":"hostname"},
		"v4":{"format":"ipv4"},"v6":{"format":"ipv6"},"uri":{"format":"uri"},
		"uuid":{"format":"uuid"},"date":{"format":"date"},"custom":{"format":"acme-thing"},
		"code":{"type":"string","pattern":"^\\u0041\\d{2}\\s$"},
		"look":{"type":"string","pattern":"^(?!x).+$"}}}`))
	tests := []struct {
		data    string
		keyword string // "" when valid
	}{
		{`{"dt":"2026-04-02T10:15:30.123Z","email":"a@b.com","host":"acme.com","v4":"10.0.0.1","v6":"::1","uri":"https://acme.com/x"}`, ""},
		{`{"uuid":"not-a-uuid","date":"yesterday","custom":"?"}`, ""},
		{`{"code":"A12\u00a0","look":"xyz"}`, ""},
		{`{"dt":"2026-04-02 10:15:30"}`, "format"},
		{`{"email":"nobody"}`, "format"},
		{`{"host":"-bad-.com"}`, "format"},
		{`{"v4":"300.1.1.1"}`, "format"},
		{`{"v6":"1::2::3"}`, "format"},
		{`{"uri":"not a uri"}`, "format"},
		{`{"code":"B12 "}`, "pattern"},
	}
	for _, tt := range tests {
		got := v.Validate(context.Background(), "iglu:com.acme/formats/jsonschema/1-0-0", json.RawMessage(tt.data))
		switch {
		case tt.keyword == "" && got.Error != nil:
			t.Errorf("%s: %+v, want valid", tt.data, got.Error)
		case tt.keyword != "" && (got.Error == nil || len(got.Error.DataReports) != 1 || got.Error.DataReports[0].Keyword != tt.keyword):
			t.Errorf("%s: %+v, want one %s report", tt.data, got.Error, tt.keyword)
		}
	}
}

// TestClientErrorGolden renders the ClientError JSON of representative failures.
func TestClientErrorGolden(t *testing.T) {
	v, mem := newTestValidator(t)
	mem.Put(mustKey(t, "iglu:com.acme/checkout/jsonschema/1-0-0"), []byte(`{"$schema":"`+IgluMetaSchema+`",
		"self":{"vendor":"com.acme","name":"checkout","format":"jsonschema","version":"1-0-0"},
		"type":"object","additionalProperties":false,"required":["orderId","items"],
		"properties":{
			"orderId":{"type":"string","maxLength":8},
			"status":{"enum":["new","paid"]},
			"quantity":{"type":"integer","minimum":1,"maximum":10},
			"ratio":{"type":["number","null"],"multipleOf":0.5,"exclusiveMaximum":true,"maximum":1},
			"tags":{"type":"array","maxItems":2,"uniqueItems":true},
			"items":{"type":"array","minItems":1,"items":{"type":"object","required":["sku"],
				"properties":{"sku":{"type":"string","pattern":"^[A-Z]{3}$"}}}},
			"choice":{"oneOf":[{"type":"string"},{"type":"integer"}]},
			"either":{"anyOf":[{"type":"string"},{"type":"integer"}]}}}`))
	ctx := context.Background()
	cases := []struct {
		name, schema, data string
	}{
		{"link_click missing targetUrl", linkClick, `{"elementId":"buy"}`},
		{"checkout many errors", "iglu:com.acme/checkout/jsonschema/1-0-0",
			`{"orderId":"123456789","status":"lost","quantity":"1","ratio":1,"tags":[1,1,2],"items":[{"sku":"ab"},{}],"choice":true,"either":false,"extra":1}`},
		{"checkout numbers", "iglu:com.acme/checkout/jsonschema/1-0-0", `{"orderId":"1","items":[{"sku":"ABC"}],"quantity":11,"ratio":0.3}`},
		{"checkout empty items", "iglu:com.acme/checkout/jsonschema/1-0-0", `{"orderId":"1","items":[],"quantity":0}`},
	}
	var buf bytes.Buffer
	for _, c := range cases {
		got := v.Validate(ctx, c.schema, json.RawMessage(c.data))
		b, err := json.Marshal(got.Error)
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString("# " + c.name + "\n" + string(b) + "\n")
	}
	testkit.Golden(t, "client_errors.golden", buf.Bytes())
}
