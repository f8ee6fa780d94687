package enrichments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

const (
	chromeUA       = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Safari/537.36"
	uaParserSchema = "iglu:com.snowplowanalytics.snowplow/ua_parser_context/jsonschema/1-0-0"
)

// jsConfig is a javascript_script_config of src.
func jsConfig(src string) json.RawMessage {
	return json.RawMessage(`{"schema":"iglu:com.snowplowanalytics.snowplow/javascript_script_config/jsonschema/1-0-1","data":{"vendor":"com.snowplowanalytics.snowplow","name":"javascript_script_config","enabled":true,"parameters":{"script":"` + b64(src) + `"}}}`)
}

// piiConfig pseudonymises user_id and the ua-parser context's useragentFamily in
// derived_contexts, with emitEvent on.
const piiConfig = `{"schema":"iglu:com.snowplowanalytics.snowplow.enrichments/pii_enrichment_config/jsonschema/2-0-1",
 "data":{"vendor":"com.snowplowanalytics.snowplow.enrichments","name":"pii_enrichment_config","enabled":true,"emitEvent":true,
  "parameters":{"pii":[{"pojo":{"field":"user_id"}},{"pojo":{"field":"user_fingerprint"}},
   {"json":{"field":"derived_contexts","schemaCriterion":"iglu:com.snowplowanalytics.snowplow/ua_parser_context/jsonschema/1-*-*","jsonPath":"$.useragentFamily"}},
   {"json":{"field":"unstruct_event","schemaCriterion":"iglu:com.acme/signup/jsonschema/1-0-*","jsonPath":"$.emails"}}],
  "strategy":{"pseudonymize":{"hashFunction":"SHA-256","salt":"pepper"}}}}}`

const uaParserConfig = `{"schema":"iglu:com.snowplowanalytics.snowplow/ua_parser_config/jsonschema/1-0-1","data":{"vendor":"com.snowplowanalytics.snowplow","name":"ua_parser_config","enabled":true,"parameters":{}}}`

// process runs one GET /i request through an Enricher with the given configs.
func process(t *testing.T, query string, configs ...json.RawMessage) enrich.Output {
	t.Helper()
	list, _, err := LoadConfigs(configs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Close(list) })
	en := enrich.New(enrich.Config{Version: "1.0.0", Enrichments: list, Now: func() time.Time { return time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC) }})
	ua := chromeUA
	res := en.Process(context.Background(), &collector.Payload{Schema: collector.PayloadSchema, Path: "/i", Querystring: query,
		IPAddress: "203.0.113.7", UserAgent: &ua, Timestamp: time.Date(2024, 5, 1, 9, 59, 59, 0, time.UTC), Encoding: "UTF-8", Collector: "c"})
	if len(res.Outputs) != 1 {
		t.Fatalf("%d outputs", len(res.Outputs))
	}
	return res.Outputs[0]
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Later enrichments see the contexts earlier ones derived: the JavaScript enrichment
// through getDerived_contexts(), PII pseudonymisation of derived_contexts, and PII's
// emitEvent reports every change in a pii_transformation event beside the event.
func TestDerivedContextsAndPIIEvent(t *testing.T) {
	script := `function process(event) {
	  var d = JSON.parse(event.getDerived_contexts());
	  event.setDerived_contexts("ignored");
	  return [{schema: "iglu:com.acme/seen/jsonschema/1-0-0", data: {n: d.data.length, family: d.data[0].data.useragentFamily}}];
	}`
	ue := `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.acme/signup/jsonschema/1-0-2","data":{"emails":["a@x.io","b@x.io",7]}}}`
	out := process(t, "e=ue&p=web&tv=t&aid=shop&uid=jane&ue_pr="+url.QueryEscape(ue), json.RawMessage(uaParserConfig), jsConfig(script), json.RawMessage(piiConfig))
	if out.Stage != enrich.StageGood {
		t.Fatalf("stage %d: %s", out.Stage, out.BadRow)
	}
	chrome := sha256Hex("Chromepepper")
	var derived []struct {
		Schema string         `json:"schema"`
		Data   map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(out.Event.Get(event.DerivedContexts)), &derived); err != nil {
		t.Fatal(err)
	}
	if len(derived) != 2 || derived[0].Schema != "iglu:com.acme/seen/jsonschema/1-0-0" || derived[1].Schema != uaParserSchema {
		t.Fatalf("derived_contexts %s", out.Event.Get(event.DerivedContexts))
	}
	if derived[0].Data["n"] != 1.0 || derived[0].Data["family"] != "Chrome" {
		t.Errorf("the script saw %v, want the ua-parser context", derived[0].Data)
	}
	if derived[1].Data["useragentFamily"] != chrome || derived[1].Data["osFamily"] != "Windows" {
		t.Errorf("ua-parser context after PII %v", derived[1].Data)
	}
	if got := out.Event.Get(event.UserID); got != sha256Hex("janepepper") {
		t.Errorf("user_id %q", got)
	}
	if out.PII == nil {
		t.Fatal("no pii_transformation event")
	}
	want := `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"` + PIITransformationSchema + `","data":{"pii":{` +
		`"pojo":[{"fieldName":"user_id","originalValue":"jane","modifiedValue":"` + sha256Hex("janepepper") + `"}],` +
		`"json":[{"fieldName":"derived_contexts","originalValue":"Chrome","modifiedValue":"` + chrome + `","jsonPath":"$.useragentFamily","schema":"` + uaParserSchema + `"},` +
		`{"fieldName":"unstruct_event","originalValue":"b@x.io","modifiedValue":"` + sha256Hex("b@x.iopepper") + `","jsonPath":"$.emails","schema":"iglu:com.acme/signup/jsonschema/1-0-2"},` +
		`{"fieldName":"unstruct_event","originalValue":"a@x.io","modifiedValue":"` + sha256Hex("a@x.iopepper") + `","jsonPath":"$.emails","schema":"iglu:com.acme/signup/jsonschema/1-0-2"}]},` +
		`"strategy":{"pseudonymize":{"hashFunction":"SHA-256"}}}}}`
	if got := strings.Split(string(out.PII.TSV()), "\t")[event.UnstructEvent]; got != want {
		t.Errorf("pii event:\n got %s\nwant %s", got, want)
	}
	if !json.Valid([]byte(want)) {
		t.Fatal("the expected pii event is not JSON")
	}
	if got := out.Event.Get(event.UnstructEvent); !strings.Contains(got, `"emails":["`+sha256Hex("a@x.iopepper")+`","`+sha256Hex("b@x.iopepper")+`",7]`) {
		t.Errorf("unstruct_event %s", got)
	}
	for f, want := range map[event.Field]string{event.AppID: "shop", event.Platform: "srv", event.EventType: "pii_transformation",
		event.EtlTstamp: "2024-05-01 10:00:00.000", event.CollectorTstamp: "2024-05-01 09:59:59.000", event.VEtl: "plowbox-1.0.0"} {
		if got := out.PII.Get(f); got != want {
			t.Errorf("pii event %s = %q, want %q", event.Fields[f].Name, got, want)
		}
	}
	if got := out.PII.Get(event.Contexts); got != `[{"schema":"iglu:com.snowplowanalytics.snowplow/parent_event/jsonschema/1-0-0","data":{"parentEventId":"`+out.Event.Get(event.EventID)+`"}}]` {
		t.Errorf("pii event contexts %s", got)
	}

	// Nothing to pseudonymise: no event.
	out = process(t, "e=pv&p=web&tv=t", json.RawMessage(piiConfig))
	if out.PII != nil {
		t.Errorf("a pii event with no changes: %s", out.PII.TSV())
	}
}

// eraseDerived_contexts() leaves only the script's contexts; a script that throws after
// erasing leaves the earlier contexts and gives an enrichment_failures bad row.
func TestJavaScriptEraseDerivedContexts(t *testing.T) {
	out := process(t, "e=pv&p=web&tv=t", json.RawMessage(uaParserConfig),
		jsConfig(`function process(event) { event.eraseDerived_contexts(); return [{schema: "iglu:com.acme/only/jsonschema/1-0-0", data: {}}]; }`))
	if got := out.Event.Get(event.DerivedContexts); got != `[{"schema":"iglu:com.acme/only/jsonschema/1-0-0","data":{}}]` {
		t.Errorf("derived_contexts %s", got)
	}
	out = process(t, "e=pv&p=web&tv=t", json.RawMessage(uaParserConfig),
		jsConfig(`function process(event) { event.eraseDerived_contexts(); throw new Error("no luck"); }`))
	if out.Stage != enrich.StageValidation || !strings.Contains(string(out.BadRow), `Error during execution of JavaScript function: [Error: no luck]`) {
		t.Fatalf("stage %d, bad row %s", out.Stage, out.BadRow)
	}
	if got := out.Event.Get(event.DerivedContexts); !strings.Contains(got, uaParserSchema) {
		t.Errorf("derived_contexts %s lost the ua-parser context", got)
	}
	out = process(t, "e=pv&p=web&tv=t", jsConfig(`function process(event) { return [{schema: "x", data: {v: event.getDerived_contexts()}}]; }`))
	if got := out.Event.Get(event.DerivedContexts); !strings.Contains(got, `{"schema":"x","data":{"v":null}}`) {
		t.Errorf("getDerived_contexts() with none: %s", got)
	}
}
