package enrichments

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich"
)

// apiStub is a local HTTP JSON API that records the requests it gets.
type apiStub struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string // "METHOD URI user:pass body"
}

// newAPIStub serves answer with status to every request.
func newAPIStub(t testing.TB, status int, answer string) *apiStub {
	s := &apiStub{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		user, pass, _ := r.BasicAuth()
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI()+" "+user+":"+pass+" "+string(b))
		s.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(s.Close)
	return s
}

// got returns the requests so far.
func (s *apiStub) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// apiConfig is an api_request_enrichment_config with the given parameters overriding a
// GET (or method) of {base}/users/{{client}}/{{user}} with the app id and a
// client_session userId or the user id.
func apiConfig(t testing.TB, base, method string, override map[string]any) enrich.Enrichment {
	t.Helper()
	if method == "" {
		method = "GET"
	}
	params := map[string]any{
		"inputs": []any{
			map[string]any{"key": "user", "json": map[string]any{"field": "contexts", "schemaCriterion": "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-*-*", "jsonPath": "$.userId"}},
			map[string]any{"key": "user", "pojo": map[string]any{"field": "user_id"}},
			map[string]any{"key": "client", "pojo": map[string]any{"field": "app_id"}},
		},
		"api": map[string]any{"http": map[string]any{"method": method, "uri": base + "/users/{{client}}/{{user}}?format=json", "timeout": 2000,
			"authentication": map[string]any{"httpBasic": map[string]any{"username": "u", "password": "p"}}}},
		"outputs": []any{map[string]any{"schema": "iglu:com.acme/user/jsonschema/1-0-0", "json": map[string]any{"jsonPath": "$.record"}}},
		"cache":   map[string]any{"size": 10, "ttl": 60},
	}
	for k, v := range override {
		params[k] = v
	}
	cfg, err := json.Marshal(map[string]any{"schema": "iglu:com.snowplowanalytics.snowplow.enrichments/api_request_enrichment_config/jsonschema/1-0-2",
		"data": map[string]any{"vendor": VendorEnrichments, "name": "api_request_enrichment_config", "enabled": true, "parameters": params}})
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := LoadConfigs([]json.RawMessage{cfg}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Close(list) })
	return list[0]
}

const clientSession = `[{"schema":"iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2","data":{"userId":"u 1/é","sessionId":"s"}}]`

func TestAPIRequest(t *testing.T) {
	answer := `{"record":{"name":"Ann","plan":"<pro>"},"other":1}`
	tests := []struct {
		name     string
		fields   map[string]string
		method   string // "" for GET
		override map[string]any
		status   int
		want     []string // derived contexts
		wantReq  []string
		wantErr  string
	}{
		{name: "GET with inputs from an entity and a field, values URL-encoded",
			fields:  map[string]string{"app_id": "shop", "contexts": clientSession, "user_id": "ignored: the entity comes first"},
			want:    []string{`{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"name":"Ann","plan":"<pro>"}}`},
			wantReq: []string{"GET /users/shop/u+1%2F%C3%A9?format=json u:p "}},
		{name: "the second input of a key is used when the first has no value",
			fields:  map[string]string{"app_id": "shop", "user_id": "42"},
			want:    []string{`{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"name":"Ann","plan":"<pro>"}}`},
			wantReq: []string{"GET /users/shop/42?format=json u:p "}},
		{name: "a placeholder without a value: no request, no context",
			fields: map[string]string{"app_id": "shop"}},
		{name: "POST sends the inputs as a JSON object",
			fields: map[string]string{"app_id": "shop", "user_id": "42"}, method: "POST",
			override: map[string]any{"outputs": []any{map[string]any{"schema": "iglu:com.acme/a/jsonschema/1-0-0", "json": map[string]any{"jsonPath": "$"}}, map[string]any{"schema": "iglu:com.acme/b/jsonschema/1-0-0", "json": map[string]any{"jsonPath": "$.other"}}}},
			want:     []string{`{"schema":"iglu:com.acme/a/jsonschema/1-0-0","data":{"other":1,"record":{"name":"Ann","plan":"<pro>"}}}`, `{"schema":"iglu:com.acme/b/jsonschema/1-0-0","data":1}`},
			wantReq:  []string{`POST /users/shop/42?format=json u:p {"client":"shop","user":"42"}`}},
		{name: "an error status is an enrichment failure",
			fields: map[string]string{"app_id": "shop", "user_id": "42"}, status: http.StatusServiceUnavailable,
			wantReq: []string{"GET /users/shop/42?format=json u:p "}, wantErr: "status 503"},
		{name: "ignoreOnError turns the failure into no context",
			fields: map[string]string{"app_id": "shop", "user_id": "42"}, status: http.StatusServiceUnavailable,
			override: map[string]any{"ignoreOnError": true},
			wantReq:  []string{"GET /users/shop/42?format=json u:p "}},
		{name: "a JSON path that finds nothing is an enrichment failure",
			fields:   map[string]string{"app_id": "shop", "user_id": "42"},
			override: map[string]any{"outputs": []any{map[string]any{"schema": "iglu:com.acme/a/jsonschema/1-0-0", "json": map[string]any{"jsonPath": "$.missing"}}}},
			wantReq:  []string{"GET /users/shop/42?format=json u:p "}, wantErr: "JSONPath $.missing found nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := tt.status
			if status == 0 {
				status = http.StatusOK
			}
			stub := newAPIStub(t, status, answer)
			en := apiConfig(t, stub.URL, tt.method, tt.override)
			ctxs, err := en.Enrich(context.Background(), newEvent(t, tt.fields), &enrich.Input{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got := strs(ctxs); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("contexts\n got %q\nwant %q", got, tt.want)
			}
			if got := stub.got(); strings.Join(got, "\n") != strings.Join(tt.wantReq, "\n") {
				t.Errorf("requests\n got %q\nwant %q", got, tt.wantReq)
			}
		})
	}
}

// An answer is reused for the same inputs until its TTL has passed, and the cache holds
// at most its size.
func TestAPIRequestCache(t *testing.T) {
	stub := newAPIStub(t, http.StatusOK, `{"record":{"n":1}}`)
	en := apiConfig(t, stub.URL, "", map[string]any{"cache": map[string]any{"size": 1, "ttl": 60}}).(*apiRequest)
	now := time.Unix(1000, 0)
	en.cache.now = func() time.Time { return now }
	call := func(user string) {
		t.Helper()
		ctxs, err := en.Enrich(context.Background(), newEvent(t, map[string]string{"app_id": "a", "user_id": user}), nil)
		if err != nil || len(ctxs) != 1 {
			t.Fatalf("%q, %v", strs(ctxs), err)
		}
	}
	call("1")
	call("1") // cached
	now = now.Add(59 * time.Second)
	call("1") // still cached
	now = now.Add(time.Second)
	call("1") // expired
	call("2") // evicts 1
	call("1")
	want := []string{"/users/a/1", "/users/a/1", "/users/a/2", "/users/a/1"}
	got := stub.got()
	if len(got) != len(want) {
		t.Fatalf("requests %q, want %d", got, len(want))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]+"?") {
			t.Errorf("request %d = %q, want %s", i, got[i], want[i])
		}
	}
}

// A request that takes longer than the timeout fails the enrichment.
func TestAPIRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	en := apiConfig(t, srv.URL, "", map[string]any{"api": map[string]any{"http": map[string]any{"method": "GET", "uri": srv.URL + "/{{user}}", "timeout": 100, "authentication": map[string]any{}}}})
	_, err := en.Enrich(context.Background(), newEvent(t, map[string]string{"user_id": "1"}), nil)
	if err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
		t.Fatalf("error %v, want a timeout", err)
	}
}
