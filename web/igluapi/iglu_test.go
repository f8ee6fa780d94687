package igluapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/internal/testkit"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web"
	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/igluapi"
)

// igluCentral is the static registry of the shared test data.
const igluCentral = "../../../shared/testdata/iglu-central"

// igluFixture is a router with a real store and resolver: the built-in registry first,
// then Iglu Central as an embedded repository.
type igluFixture struct {
	h         http.Handler
	st        *store.Store
	resolver  *iglu.Resolver
	validator *iglu.Validator
}

func newIgluFixture(t *testing.T, a *auth.Auth) *igluFixture {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	builtin := &iglu.FuncRepository{RepoName: "plowbox", Func: func(_ context.Context, k iglu.SchemaKey) ([]byte, error) {
		body, _, ok, err := st.GetSchema(k.Path())
		switch {
		case err != nil:
			return nil, err
		case !ok:
			return nil, iglu.ErrNotFound
		}
		return body, nil
	}}
	now := time.Date(2026, 4, 2, 10, 15, 30, 123e6, time.UTC)
	r := iglu.NewResolver(iglu.Options{
		CacheSize: 100, CacheTTL: time.Minute, Builtin: builtin, Logger: log,
		Repositories: []iglu.Repository{iglu.NewEmbeddedRepository("Iglu Client Embedded", 0, nil, igluCentral)},
		Now:          func() time.Time { return now },
	})
	v := iglu.NewValidator(r, log)
	h := web.New(web.Config{
		Collector: http.NotFoundHandler(), Store: st, Auth: a, MicroAPI: 4, Logger: log,
		Iglu: &igluapi.Options{Registry: st, Resolver: r, Validator: v, SuperKey: "super-key", Version: "1.0.0"},
	})
	return &igluFixture{h: h, st: st, resolver: r, validator: v}
}

// run serves the scenario and returns the body of the answer.
func (f *igluFixture) run(t *testing.T, sc testkit.Scenario) string {
	t.Helper()
	return sc.Run(t, f.h).Body.String()
}

// asAdmin is the basic credentials header of the admin of TestIgluRegistryAuth.
var asAdmin = map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:secret"))}

const (
	checkoutBare = `{"type":"object","properties":{"orderId":{"type":"string","maxLength":64}},"required":["orderId"],"additionalProperties":false}`
	checkoutSelf = `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#","self":{"vendor":"com.acme","name":"checkout","format":"jsonschema","version":"1-0-0"},` +
		`"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"]}`
	cartSelf = `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#","self":{"vendor":"com.acme","name":"cart","format":"jsonschema","version":"2-0-0"},"type":"object"}`
)

func TestIgluRegistryLifecycle(t *testing.T) {
	for _, base := range []string{"/api", "/iglu-server/api"} {
		t.Run(strings.Trim(base, "/"), func(t *testing.T) {
			f := newIgluFixture(t, nil)
			ctx := t.Context()
			key, _ := iglu.ParseSchemaKey("iglu:com.acme/checkout/jsonschema/1-0-0")
			data := json.RawMessage(`{"orderId":"o-1"}`)

			// Before the schema exists: the miss is cached by the resolver.
			if v := f.validator.Validate(ctx, key.String(), data); v.Error == nil || v.Error.Error != "ResolutionError" {
				t.Fatalf("before PUT: %+v", v.Error)
			}

			s := base + "/schemas"
			canonical := `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#","self":{"vendor":"com.acme","name":"checkout","format":"jsonschema","version":"1-0-0"},` + checkoutBare[1:]
			testkit.RunScenarios(t, f.h, []testkit.Scenario{
				{Name: "create bare", Method: "PUT", URL: s + "/com.acme/checkout/jsonschema/1-0-0?isPublic=true", Body: checkoutBare, ExpectedStatus: 201,
					ExpectedBody: `{"message":"Schema created","updated":false,"location":"iglu:com.acme/checkout/jsonschema/1-0-0","status":201}`},
				{Name: "fetch canonical", Method: "GET", URL: s + "/com.acme/checkout/jsonschema/1-0-0", ExpectedStatus: 200, ExpectedBody: canonical},
				{Name: "fetch uri", Method: "GET", URL: s + "/com.acme/checkout/jsonschema/1-0-0?repr=uri", ExpectedStatus: 200, ExpectedBody: `"iglu:com.acme/checkout/jsonschema/1-0-0"`},
				{Name: "fetch meta", Method: "GET", URL: s + "/com.acme/checkout/jsonschema/1-0-0?repr=meta", ExpectedStatus: 200, ExpectedContent: []string{`{"metadata":{"createdAt":"`, `"isPublic":true}`, `"self":{`}},
				{Name: "publish", Method: "POST", URL: s, Body: cartSelf, ExpectedStatus: 201, ExpectedContent: []string{`"location":"iglu:com.acme/cart/jsonschema/2-0-0"`}},
				{Name: "list all", Method: "GET", URL: s, ExpectedStatus: 200, ExpectedBody: `["iglu:com.acme/cart/jsonschema/2-0-0","iglu:com.acme/checkout/jsonschema/1-0-0"]`},
				{Name: "list vendor", Method: "GET", URL: s + "/com.acme", ExpectedStatus: 200, ExpectedBody: `["iglu:com.acme/cart/jsonschema/2-0-0","iglu:com.acme/checkout/jsonschema/1-0-0"]`},
				{Name: "list other vendor", Method: "GET", URL: s + "/com.acm", ExpectedStatus: 200, ExpectedBody: `[]`},
				{Name: "list name", Method: "GET", URL: s + "/com.acme/checkout", ExpectedStatus: 200, ExpectedBody: `["iglu:com.acme/checkout/jsonschema/1-0-0"]`},
				{Name: "list model", Method: "GET", URL: s + "/com.acme/cart/jsonschema/2", ExpectedStatus: 200, ExpectedBody: `["iglu:com.acme/cart/jsonschema/2-0-0"]`},
				{Name: "list other model", Method: "GET", URL: s + "/com.acme/cart/jsonschema/1", ExpectedStatus: 200, ExpectedBody: `[]`},
				{Name: "list canonical", Method: "GET", URL: s + "/com.acme/cart?repr=canonical", ExpectedStatus: 200, ExpectedBody: "[" + cartSelf + "]"},
				{Name: "overwrite", Method: "PUT", URL: s + "/com.acme/checkout/jsonschema/1-0-0", Body: checkoutSelf, ExpectedStatus: 200,
					ExpectedBody: `{"message":"Schema updated","updated":true,"location":"iglu:com.acme/checkout/jsonschema/1-0-0","status":200}`},
				{Name: "fetch overwritten", Method: "GET", URL: s + "/com.acme/checkout/jsonschema/1-0-0", ExpectedStatus: 200, ExpectedBody: checkoutSelf},
			})

			// The write invalidated the cached miss: the very next validation sees it.
			if v := f.validator.Validate(ctx, key.String(), data); v.Error != nil {
				t.Fatalf("after PUT: %+v", v.Error)
			}
			if v := f.validator.Validate(ctx, key.String(), json.RawMessage(`{}`)); v.Error == nil || v.Error.DataReports[0].Keyword != "required" {
				t.Fatalf("missing orderId: %+v", v.Error)
			}

			testkit.RunScenarios(t, f.h, []testkit.Scenario{
				{Name: "delete", Method: "DELETE", URL: s + "/com.acme/checkout/jsonschema/1-0-0", ExpectedStatus: 200, ExpectedBody: `{"message":"Schema deleted"}`},
				{Name: "delete again", Method: "DELETE", URL: s + "/com.acme/checkout/jsonschema/1-0-0", ExpectedStatus: 404},
				{Name: "fetch deleted", Method: "GET", URL: s + "/com.acme/checkout/jsonschema/1-0-0", ExpectedStatus: 404},
			})
			if _, _, err := f.resolver.Lookup(ctx, key); err == nil {
				t.Error("the resolver still finds a deleted schema")
			}
		})
	}
}

func TestIgluRegistryRejects(t *testing.T) {
	f := newIgluFixture(t, nil)
	p := "/api/schemas/com.acme/checkout/jsonschema/1-0-0"
	testkit.RunScenarios(t, f.h, []testkit.Scenario{
		{Name: "not draft-04", Method: "PUT", URL: p, Body: `{"type":"strnig"}`, ExpectedStatus: 400, ExpectedContent: []string{"does not conform to a JSON Schema v4", `"report":[{"path":`}},
		{Name: "bad pattern", Method: "PUT", URL: p, Body: `{"properties":{"a":{"minLength":-1}}}`, ExpectedStatus: 400},
		{Name: "self mismatch", Method: "PUT", URL: "/api/schemas/com.acme/checkout/jsonschema/1-0-1", Body: checkoutSelf, ExpectedStatus: 400,
			ExpectedBody: `{"message":"self (iglu:com.acme/checkout/jsonschema/1-0-0) does not match the path (iglu:com.acme/checkout/jsonschema/1-0-1)"}`},
		{Name: "self incomplete", Method: "PUT", URL: p, Body: `{"self":{"vendor":"com.acme","name":"checkout","format":"jsonschema"}}`, ExpectedStatus: 400, ExpectedContent: []string{"self.version is required"}},
		{Name: "not json", Method: "PUT", URL: p, Body: `{"type":`, ExpectedStatus: 400, ExpectedContent: []string{"not JSON"}},
		{Name: "not an object", Method: "PUT", URL: p, Body: `[1]`, ExpectedStatus: 400, ExpectedContent: []string{"must be a JSON object"}},
		{Name: "duplicate member", Method: "PUT", URL: p, Body: `{"type":"object","type":"string"}`, ExpectedStatus: 400, ExpectedContent: []string{"twice"}},
		{Name: "publish without self", Method: "POST", URL: "/api/schemas", Body: checkoutBare, ExpectedStatus: 400, ExpectedContent: []string{"no self"}},
		{Name: "not jsonschema", Method: "PUT", URL: "/api/schemas/com.acme/checkout/avro/1-0-0", Body: `{}`, ExpectedStatus: 400, ExpectedContent: []string{"jsonschema"}},
		{Name: "bad isPublic", Method: "PUT", URL: p + "?isPublic=maybe", Body: checkoutBare, ExpectedStatus: 400},
		{Name: "traversal vendor", Method: "PUT", URL: "/api/schemas/../checkout/jsonschema/1-0-0", Body: checkoutBare, ExpectedStatus: 400},
		{Name: "traversal in vendor", Method: "PUT", URL: "/api/schemas/com..acme/checkout/jsonschema/1-0-0", Body: checkoutBare, ExpectedStatus: 400},
		{Name: "dot in name", Method: "PUT", URL: "/api/schemas/com.acme/../jsonschema/1-0-0", Body: checkoutBare, ExpectedStatus: 400},
		{Name: "traversal fetch", Method: "GET", URL: "/api/schemas/../../jsonschema/1-0-0", ExpectedStatus: 400},
		{Name: "traversal list", Method: "GET", URL: "/api/schemas/..", ExpectedStatus: 400},
		{Name: "bad version", Method: "PUT", URL: "/api/schemas/com.acme/checkout/jsonschema/1-0", Body: checkoutBare, ExpectedStatus: 400},
		{Name: "nothing stored", Method: "GET", URL: "/api/schemas", ExpectedStatus: 200, ExpectedBody: `[]`},
	})
	if entries, err := f.st.ListSchemas(""); err != nil || len(entries) != 0 {
		t.Errorf("rejected writes stored %d schemas (%v)", len(entries), err)
	}
}

func TestIgluRegistryAuth(t *testing.T) {
	a, err := auth.NewBasicAuth("admin", "secret")
	if err != nil {
		t.Fatal(err)
	}
	f := newIgluFixture(t, a)
	super := map[string]string{"apikey": "super-key"}
	wrong := map[string]string{"apikey": "not-the-key"}
	p := "/iglu-server/api/schemas/com.acme/checkout/jsonschema/1-0-0"
	testkit.RunScenarios(t, f.h, []testkit.Scenario{
		{Name: "health is open", Method: "GET", URL: "/api/meta/health", ExpectedStatus: 200, ExpectedBody: "OK"},
		{Name: "db health is open", Method: "GET", URL: "/api/meta/health/db", ExpectedStatus: 200, ExpectedBody: "OK"},
		{Name: "list anonymous", Method: "GET", URL: "/api/schemas", ExpectedStatus: 401},
		{Name: "server anonymous", Method: "GET", URL: "/api/meta/server", ExpectedStatus: 401},
		{Name: "put anonymous", Method: "PUT", URL: p, Body: checkoutBare, ExpectedStatus: 401},
		{Name: "post anonymous", Method: "POST", URL: "/api/schemas", Body: cartSelf, ExpectedStatus: 401},
		{Name: "delete anonymous", Method: "DELETE", URL: p, ExpectedStatus: 401},
		{Name: "validate anonymous", Method: "POST", URL: "/api/validation/validate/schema/jsonschema", Body: cartSelf, ExpectedStatus: 401},
		{Name: "put wrong key", Method: "PUT", URL: p, Body: checkoutBare, Headers: wrong, ExpectedStatus: 403},
		{Name: "list wrong key", Method: "GET", URL: "/api/schemas", Headers: wrong, ExpectedStatus: 403},
		{Name: "put super key", Method: "PUT", URL: p, Body: checkoutBare, Headers: super, ExpectedStatus: 201},
		{Name: "put basic", Method: "PUT", URL: p, Body: checkoutSelf, Headers: asAdmin, ExpectedStatus: 200},
		{Name: "list super key", Method: "GET", URL: "/api/schemas", Headers: super, ExpectedStatus: 200, ExpectedBody: `["iglu:com.acme/checkout/jsonschema/1-0-0"]`},
		{Name: "fetch basic", Method: "GET", URL: p, Headers: asAdmin, ExpectedStatus: 200, ExpectedBody: checkoutSelf},
		{Name: "server basic", Method: "GET", URL: "/api/meta/server", Headers: asAdmin, ExpectedStatus: 200, ExpectedContent: []string{`"version":"plowbox-1.0.0"`, `"schemaCount":1`}},
		{Name: "micro iglu anonymous", Method: "GET", URL: "/micro/iglu/com.acme/checkout/jsonschema/1-0-0", ExpectedStatus: 401},
		{Name: "micro iglu basic", Method: "GET", URL: "/micro/iglu/com.acme/checkout/jsonschema/1-0-0", Headers: asAdmin, ExpectedStatus: 200, ExpectedBody: checkoutSelf},
		{Name: "delete super key", Method: "DELETE", URL: p, Headers: super, ExpectedStatus: 200},
	})
}

func TestIgluValidationEndpoints(t *testing.T) {
	f := newIgluFixture(t, nil)
	f.run(t, testkit.Scenario{Name: "seed", Method: "PUT", URL: "/api/schemas/com.acme/checkout/jsonschema/1-0-0", Body: checkoutBare, ExpectedStatus: 201})
	testkit.RunScenarios(t, f.h, []testkit.Scenario{
		{Name: "valid schema", Method: "POST", URL: "/api/validation/validate/schema/jsonschema", Body: cartSelf, ExpectedStatus: 200,
			ExpectedBody: `{"message":"The schema provided is a valid self-describing schema"}`},
		{Name: "schema without self", Method: "POST", URL: "/api/validation/validate/schema/jsonschema", Body: checkoutBare, ExpectedStatus: 400, ExpectedContent: []string{"no self"}},
		{Name: "invalid schema", Method: "POST", URL: "/api/validation/validate/schema/jsonschema",
			Body: `{"self":{"vendor":"a","name":"b","format":"jsonschema","version":"1-0-0"},"type":7}`, ExpectedStatus: 400, ExpectedContent: []string{`"level":"ERROR"`}},
		{Name: "valid instance", Method: "POST", URL: "/api/validation/validate/instance",
			Body: `{"schema":"iglu:com.acme/checkout/jsonschema/1-0-0","data":{"orderId":"x"}}`, ExpectedStatus: 200},
		{Name: "invalid instance", Method: "POST", URL: "/api/validation/validate/instance",
			Body: `{"schema":"iglu:com.acme/checkout/jsonschema/1-0-0","data":{"orderId":1}}`, ExpectedStatus: 400, ExpectedContent: []string{`"keyword":"type"`}},
		{Name: "instance from Iglu Central", Method: "POST", URL: "/api/validation/validate/instance",
			Body: `{"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","data":{}}`, ExpectedStatus: 400, ExpectedContent: []string{`$.targetUrl: is missing but it is required`}},
		{Name: "unknown schema", Method: "POST", URL: "/api/validation/validate/instance",
			Body: `{"schema":"iglu:com.acme/none/jsonschema/1-0-0","data":{}}`, ExpectedStatus: 404, ExpectedContent: []string{`"lookupHistory"`}},
		{Name: "not an instance", Method: "POST", URL: "/api/validation/validate/instance", Body: `{"data":{}}`, ExpectedStatus: 400},
		{Name: "deprecated form", Method: "POST", URL: "/api/schemas/validate/com.acme/checkout/jsonschema/1-0-0", Body: `{"orderId":"x"}`, ExpectedStatus: 200},
		{Name: "deprecated form invalid", Method: "POST", URL: "/api/schemas/validate/com.acme/checkout/jsonschema/1-0-0", Body: `{}`, ExpectedStatus: 400, ExpectedContent: []string{`"keyword":"required"`}},
	})
}

func TestMicroIglu(t *testing.T) {
	f := newIgluFixture(t, nil)
	want, err := os.ReadFile(igluCentral + "/schemas/com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1")
	if err != nil {
		t.Fatal(err)
	}
	malformed := `"Schema lookup should be in format iglu/{vendor}/{schemaName}/jsonschema/{model}-{revision}-{addition}"`
	testkit.RunScenarios(t, f.h, []testkit.Scenario{
		{Name: "found", Method: "GET", URL: "/micro/iglu/com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1", ExpectedStatus: 200, ExpectedBody: string(want)},
		{Name: "not found", Method: "GET", URL: "/micro/iglu/com.myvendor/myschema/jsonschema/1-0-0", ExpectedStatus: 404,
			ExpectedBody: `{"value":{"plowbox":{"errors":[{"error":"NotFound"}],"attempts":1,"lastAttempt":"2026-04-02T10:15:30.123Z"},` +
				`"Iglu Client Embedded":{"errors":[{"error":"NotFound"}],"attempts":1,"lastAttempt":"2026-04-02T10:15:30.123Z"}}}`},
		{Name: "short version", Method: "GET", URL: "/micro/iglu/com.myvendor/myschema/jsonschema/1-0", ExpectedStatus: 404, ExpectedBody: malformed},
		{Name: "other format", Method: "GET", URL: "/micro/iglu/com.myvendor/myschema/avro/1-0-0", ExpectedStatus: 404, ExpectedBody: malformed},
		{Name: "short path", Method: "GET", URL: "/micro/iglu/com.myvendor/myschema", ExpectedStatus: 404, ExpectedBody: malformed},
		{Name: "long path", Method: "GET", URL: "/micro/iglu/a/b/jsonschema/1-0-0/x", ExpectedStatus: 404, ExpectedBody: malformed},
		{Name: "traversal", Method: "GET", URL: "/micro/iglu/../b/jsonschema/1-0-0", ExpectedStatus: 404, ExpectedBody: malformed},
		{Name: "bare", Method: "GET", URL: "/micro/iglu", ExpectedStatus: 404},
	})
	// A schema published to the registry is visible at once, from the built-in registry.
	f.run(t, testkit.Scenario{Name: "publish", Method: "PUT", URL: "/api/schemas/com.myvendor/myschema/jsonschema/1-0-0", Body: `{"type":"object"}`, ExpectedStatus: 201})
	body := f.run(t, testkit.Scenario{Name: "found after publish", Method: "GET", URL: "/micro/iglu/com.myvendor/myschema/jsonschema/1-0-0", ExpectedStatus: 200})
	var doc struct{ Self map[string]string }
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Self["name"] != "myschema" {
		t.Errorf("published schema: %s (%v)", body, err)
	}
}
