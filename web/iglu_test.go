package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/store"
)

// igluCentral is the static registry of the shared test data.
const igluCentral = "../../shared/testdata/iglu-central"

// igluFixture is a router with a real store and resolver: the built-in registry first,
// then Iglu Central as an embedded repository.
type igluFixture struct {
	h         http.Handler
	st        *store.Store
	resolver  *iglu.Resolver
	validator *iglu.Validator
}

func newIgluFixture(t *testing.T, auth *BasicAuth) *igluFixture {
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
	h := New(Options{
		Collector: http.NotFoundHandler(), Store: st, Auth: auth, MicroAPI: 4, Logger: log,
		Iglu: &IgluOptions{Registry: st, Resolver: r, Validator: v, SuperKey: "super-key", Version: "1.0.0"},
	})
	return &igluFixture{h: h, st: st, resolver: r, validator: v}
}

// igluCase is one request and what its answer must be.
type igluCase struct {
	name, method, path, body string
	header                   map[string]string
	basic                    bool // send admin basic credentials
	status                   int
	want                     string   // exact body, when not empty
	contains                 []string // substrings of the body
}

func (f *igluFixture) run(t *testing.T, tc igluCase) string {
	t.Helper()
	req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
	for k, v := range tc.header {
		req.Header.Set(k, v)
	}
	if tc.basic {
		req.SetBasicAuth("admin", "secret")
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != tc.status {
		t.Errorf("%s: %s %s = %d %s, want %d", tc.name, tc.method, tc.path, rec.Code, body, tc.status)
	}
	if tc.want != "" && body != tc.want {
		t.Errorf("%s: body\n%s\nwant\n%s", tc.name, body, tc.want)
	}
	for _, s := range tc.contains {
		if !strings.Contains(body, s) {
			t.Errorf("%s: body %s does not contain %q", tc.name, body, s)
		}
	}
	return body
}

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
			for _, tc := range []igluCase{
				{name: "create bare", method: "PUT", path: s + "/com.acme/checkout/jsonschema/1-0-0?isPublic=true", body: checkoutBare, status: 201,
					want: `{"message":"Schema created","updated":false,"location":"iglu:com.acme/checkout/jsonschema/1-0-0","status":201}`},
				{name: "fetch canonical", method: "GET", path: s + "/com.acme/checkout/jsonschema/1-0-0", status: 200, want: canonical},
				{name: "fetch uri", method: "GET", path: s + "/com.acme/checkout/jsonschema/1-0-0?repr=uri", status: 200, want: `"iglu:com.acme/checkout/jsonschema/1-0-0"`},
				{name: "fetch meta", method: "GET", path: s + "/com.acme/checkout/jsonschema/1-0-0?repr=meta", status: 200, contains: []string{`{"metadata":{"createdAt":"`, `"isPublic":true}`, `"self":{`}},
				{name: "publish", method: "POST", path: s, body: cartSelf, status: 201, contains: []string{`"location":"iglu:com.acme/cart/jsonschema/2-0-0"`}},
				{name: "list all", method: "GET", path: s, status: 200, want: `["iglu:com.acme/cart/jsonschema/2-0-0","iglu:com.acme/checkout/jsonschema/1-0-0"]`},
				{name: "list vendor", method: "GET", path: s + "/com.acme", status: 200, want: `["iglu:com.acme/cart/jsonschema/2-0-0","iglu:com.acme/checkout/jsonschema/1-0-0"]`},
				{name: "list other vendor", method: "GET", path: s + "/com.acm", status: 200, want: `[]`},
				{name: "list name", method: "GET", path: s + "/com.acme/checkout", status: 200, want: `["iglu:com.acme/checkout/jsonschema/1-0-0"]`},
				{name: "list model", method: "GET", path: s + "/com.acme/cart/jsonschema/2", status: 200, want: `["iglu:com.acme/cart/jsonschema/2-0-0"]`},
				{name: "list other model", method: "GET", path: s + "/com.acme/cart/jsonschema/1", status: 200, want: `[]`},
				{name: "list canonical", method: "GET", path: s + "/com.acme/cart?repr=canonical", status: 200, want: "[" + cartSelf + "]"},
				{name: "overwrite", method: "PUT", path: s + "/com.acme/checkout/jsonschema/1-0-0", body: checkoutSelf, status: 200,
					want: `{"message":"Schema updated","updated":true,"location":"iglu:com.acme/checkout/jsonschema/1-0-0","status":200}`},
				{name: "fetch overwritten", method: "GET", path: s + "/com.acme/checkout/jsonschema/1-0-0", status: 200, want: checkoutSelf},
			} {
				f.run(t, tc)
			}

			// The write invalidated the cached miss: the very next validation sees it.
			if v := f.validator.Validate(ctx, key.String(), data); v.Error != nil {
				t.Fatalf("after PUT: %+v", v.Error)
			}
			if v := f.validator.Validate(ctx, key.String(), json.RawMessage(`{}`)); v.Error == nil || v.Error.DataReports[0].Keyword != "required" {
				t.Fatalf("missing orderId: %+v", v.Error)
			}

			for _, tc := range []igluCase{
				{name: "delete", method: "DELETE", path: s + "/com.acme/checkout/jsonschema/1-0-0", status: 200, want: `{"message":"Schema deleted"}`},
				{name: "delete again", method: "DELETE", path: s + "/com.acme/checkout/jsonschema/1-0-0", status: 404},
				{name: "fetch deleted", method: "GET", path: s + "/com.acme/checkout/jsonschema/1-0-0", status: 404},
			} {
				f.run(t, tc)
			}
			if _, _, err := f.resolver.Lookup(ctx, key); err == nil {
				t.Error("the resolver still finds a deleted schema")
			}
		})
	}
}

func TestIgluRegistryRejects(t *testing.T) {
	f := newIgluFixture(t, nil)
	p := "/api/schemas/com.acme/checkout/jsonschema/1-0-0"
	for _, tc := range []igluCase{
		{name: "not draft-04", method: "PUT", path: p, body: `{"type":"strnig"}`, status: 400, contains: []string{"does not conform to a JSON Schema v4", `"report":[{"path":`}},
		{name: "bad pattern", method: "PUT", path: p, body: `{"properties":{"a":{"minLength":-1}}}`, status: 400},
		{name: "self mismatch", method: "PUT", path: "/api/schemas/com.acme/checkout/jsonschema/1-0-1", body: checkoutSelf, status: 400,
			want: `{"message":"self (iglu:com.acme/checkout/jsonschema/1-0-0) does not match the path (iglu:com.acme/checkout/jsonschema/1-0-1)"}`},
		{name: "self incomplete", method: "PUT", path: p, body: `{"self":{"vendor":"com.acme","name":"checkout","format":"jsonschema"}}`, status: 400, contains: []string{"self.version is required"}},
		{name: "not json", method: "PUT", path: p, body: `{"type":`, status: 400, contains: []string{"not JSON"}},
		{name: "not an object", method: "PUT", path: p, body: `[1]`, status: 400, contains: []string{"must be a JSON object"}},
		{name: "duplicate member", method: "PUT", path: p, body: `{"type":"object","type":"string"}`, status: 400, contains: []string{"twice"}},
		{name: "publish without self", method: "POST", path: "/api/schemas", body: checkoutBare, status: 400, contains: []string{"no self"}},
		{name: "not jsonschema", method: "PUT", path: "/api/schemas/com.acme/checkout/avro/1-0-0", body: `{}`, status: 400, contains: []string{"jsonschema"}},
		{name: "bad isPublic", method: "PUT", path: p + "?isPublic=maybe", body: checkoutBare, status: 400},
		{name: "traversal vendor", method: "PUT", path: "/api/schemas/../checkout/jsonschema/1-0-0", body: checkoutBare, status: 400},
		{name: "traversal in vendor", method: "PUT", path: "/api/schemas/com..acme/checkout/jsonschema/1-0-0", body: checkoutBare, status: 400},
		{name: "dot in name", method: "PUT", path: "/api/schemas/com.acme/../jsonschema/1-0-0", body: checkoutBare, status: 400},
		{name: "traversal fetch", method: "GET", path: "/api/schemas/../../jsonschema/1-0-0", status: 400},
		{name: "traversal list", method: "GET", path: "/api/schemas/..", status: 400},
		{name: "bad version", method: "PUT", path: "/api/schemas/com.acme/checkout/jsonschema/1-0", body: checkoutBare, status: 400},
		{name: "nothing stored", method: "GET", path: "/api/schemas", status: 200, want: `[]`},
	} {
		f.run(t, tc)
	}
	if entries, err := f.st.ListSchemas(""); err != nil || len(entries) != 0 {
		t.Errorf("rejected writes stored %d schemas (%v)", len(entries), err)
	}
}

func TestIgluRegistryAuth(t *testing.T) {
	auth, err := NewBasicAuth("admin", "secret")
	if err != nil {
		t.Fatal(err)
	}
	f := newIgluFixture(t, auth)
	super := map[string]string{"apikey": "super-key"}
	wrong := map[string]string{"apikey": "not-the-key"}
	p := "/iglu-server/api/schemas/com.acme/checkout/jsonschema/1-0-0"
	for _, tc := range []igluCase{
		{name: "health is open", method: "GET", path: "/api/meta/health", status: 200, want: "OK"},
		{name: "db health is open", method: "GET", path: "/api/meta/health/db", status: 200, want: "OK"},
		{name: "list anonymous", method: "GET", path: "/api/schemas", status: 401},
		{name: "server anonymous", method: "GET", path: "/api/meta/server", status: 401},
		{name: "put anonymous", method: "PUT", path: p, body: checkoutBare, status: 401},
		{name: "post anonymous", method: "POST", path: "/api/schemas", body: cartSelf, status: 401},
		{name: "delete anonymous", method: "DELETE", path: p, status: 401},
		{name: "validate anonymous", method: "POST", path: "/api/validation/validate/schema/jsonschema", body: cartSelf, status: 401},
		{name: "put wrong key", method: "PUT", path: p, body: checkoutBare, header: wrong, status: 403},
		{name: "list wrong key", method: "GET", path: "/api/schemas", header: wrong, status: 403},
		{name: "put super key", method: "PUT", path: p, body: checkoutBare, header: super, status: 201},
		{name: "put basic", method: "PUT", path: p, body: checkoutSelf, basic: true, status: 200},
		{name: "list super key", method: "GET", path: "/api/schemas", header: super, status: 200, want: `["iglu:com.acme/checkout/jsonschema/1-0-0"]`},
		{name: "fetch basic", method: "GET", path: p, basic: true, status: 200, want: checkoutSelf},
		{name: "server basic", method: "GET", path: "/api/meta/server", basic: true, status: 200, contains: []string{`"version":"plowbox-1.0.0"`, `"schemaCount":1`}},
		{name: "micro iglu anonymous", method: "GET", path: "/micro/iglu/com.acme/checkout/jsonschema/1-0-0", status: 401},
		{name: "micro iglu basic", method: "GET", path: "/micro/iglu/com.acme/checkout/jsonschema/1-0-0", basic: true, status: 200, want: checkoutSelf},
		{name: "delete super key", method: "DELETE", path: p, header: super, status: 200},
	} {
		f.run(t, tc)
	}
}

func TestIgluValidationEndpoints(t *testing.T) {
	f := newIgluFixture(t, nil)
	f.run(t, igluCase{name: "seed", method: "PUT", path: "/api/schemas/com.acme/checkout/jsonschema/1-0-0", body: checkoutBare, status: 201})
	for _, tc := range []igluCase{
		{name: "valid schema", method: "POST", path: "/api/validation/validate/schema/jsonschema", body: cartSelf, status: 200,
			want: `{"message":"The schema provided is a valid self-describing schema"}`},
		{name: "schema without self", method: "POST", path: "/api/validation/validate/schema/jsonschema", body: checkoutBare, status: 400, contains: []string{"no self"}},
		{name: "invalid schema", method: "POST", path: "/api/validation/validate/schema/jsonschema",
			body: `{"self":{"vendor":"a","name":"b","format":"jsonschema","version":"1-0-0"},"type":7}`, status: 400, contains: []string{`"level":"ERROR"`}},
		{name: "valid instance", method: "POST", path: "/api/validation/validate/instance",
			body: `{"schema":"iglu:com.acme/checkout/jsonschema/1-0-0","data":{"orderId":"x"}}`, status: 200},
		{name: "invalid instance", method: "POST", path: "/api/validation/validate/instance",
			body: `{"schema":"iglu:com.acme/checkout/jsonschema/1-0-0","data":{"orderId":1}}`, status: 400, contains: []string{`"keyword":"type"`}},
		{name: "instance from Iglu Central", method: "POST", path: "/api/validation/validate/instance",
			body: `{"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","data":{}}`, status: 400, contains: []string{`$.targetUrl: is missing but it is required`}},
		{name: "unknown schema", method: "POST", path: "/api/validation/validate/instance",
			body: `{"schema":"iglu:com.acme/none/jsonschema/1-0-0","data":{}}`, status: 404, contains: []string{`"lookupHistory"`}},
		{name: "not an instance", method: "POST", path: "/api/validation/validate/instance", body: `{"data":{}}`, status: 400},
		{name: "deprecated form", method: "POST", path: "/api/schemas/validate/com.acme/checkout/jsonschema/1-0-0", body: `{"orderId":"x"}`, status: 200},
		{name: "deprecated form invalid", method: "POST", path: "/api/schemas/validate/com.acme/checkout/jsonschema/1-0-0", body: `{}`, status: 400, contains: []string{`"keyword":"required"`}},
	} {
		f.run(t, tc)
	}
}

func TestMicroIglu(t *testing.T) {
	f := newIgluFixture(t, nil)
	want, err := os.ReadFile(igluCentral + "/schemas/com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1")
	if err != nil {
		t.Fatal(err)
	}
	malformed := `"Schema lookup should be in format iglu/{vendor}/{schemaName}/jsonschema/{model}-{revision}-{addition}"`
	for _, tc := range []igluCase{
		{name: "found", method: "GET", path: "/micro/iglu/com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1", status: 200, want: string(want)},
		{name: "not found", method: "GET", path: "/micro/iglu/com.myvendor/myschema/jsonschema/1-0-0", status: 404,
			want: `{"value":{"plowbox":{"errors":[{"error":"NotFound"}],"attempts":1,"lastAttempt":"2026-04-02T10:15:30.123Z"},` +
				`"Iglu Client Embedded":{"errors":[{"error":"NotFound"}],"attempts":1,"lastAttempt":"2026-04-02T10:15:30.123Z"}}}`},
		{name: "short version", method: "GET", path: "/micro/iglu/com.myvendor/myschema/jsonschema/1-0", status: 404, want: malformed},
		{name: "other format", method: "GET", path: "/micro/iglu/com.myvendor/myschema/avro/1-0-0", status: 404, want: malformed},
		{name: "short path", method: "GET", path: "/micro/iglu/com.myvendor/myschema", status: 404, want: malformed},
		{name: "long path", method: "GET", path: "/micro/iglu/a/b/jsonschema/1-0-0/x", status: 404, want: malformed},
		{name: "traversal", method: "GET", path: "/micro/iglu/../b/jsonschema/1-0-0", status: 404, want: malformed},
		{name: "bare", method: "GET", path: "/micro/iglu", status: 404},
	} {
		f.run(t, tc)
	}
	// A schema published to the registry is visible at once, from the built-in registry.
	f.run(t, igluCase{name: "publish", method: "PUT", path: "/api/schemas/com.myvendor/myschema/jsonschema/1-0-0", body: `{"type":"object"}`, status: 201})
	body := f.run(t, igluCase{name: "found after publish", method: "GET", path: "/micro/iglu/com.myvendor/myschema/jsonschema/1-0-0", status: 200})
	var doc struct{ Self map[string]string }
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Self["name"] != "myschema" {
		t.Errorf("published schema: %s (%v)", body, err)
	}
}

func TestCanonicalSchema(t *testing.T) {
	key, _ := iglu.ParseSchemaKey("iglu:com.acme/x/jsonschema/1-0-0")
	for _, tc := range []struct {
		name, in, want, err string
		key                 *iglu.SchemaKey
	}{
		{name: "bare gets self", in: ` {"type":"object","$schema":"http://json-schema.org/draft-04/schema#"} `, key: &key,
			want: `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#","self":{"vendor":"com.acme","name":"x","format":"jsonschema","version":"1-0-0"},"type":"object"}`},
		{name: "empty bare", in: `{}`, key: &key,
			want: `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#","self":{"vendor":"com.acme","name":"x","format":"jsonschema","version":"1-0-0"}}`},
		{name: "self kept as written", in: "{\"self\": {\"vendor\":\"com.acme\",\"name\":\"x\",\"format\":\"jsonschema\",\"version\":\"1-0-0\"}}\n",
			want: `{"self": {"vendor":"com.acme","name":"x","format":"jsonschema","version":"1-0-0"}}`},
		{name: "self extra key", in: `{"self":{"vendor":"com.acme","name":"x","format":"jsonschema","version":"1-0-0","x":1}}`, err: "only vendor"},
		{name: "self bad vendor", in: `{"self":{"vendor":"com/acme","name":"x","format":"jsonschema","version":"1-0-0"}}`, err: "self:"},
		{name: "trailing data", in: `{} {}`, key: &key, err: "after the JSON object"},
	} {
		got, err := canonicalSchema([]byte(tc.in), tc.key)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case string(got.body) != tc.want || got.key != key:
			t.Errorf("%s: %s %s\nwant %s", tc.name, got.key, got.body, tc.want)
		}
	}
}
