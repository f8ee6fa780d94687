package controlplane_test

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/web/controlplane"
	"github.com/plowbox/plowbox/web/webtest"
)

// multipartBody returns a multipart body with one file field, and its content type.
func multipartBody(t *testing.T, field, filename, content string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

// Each control-plane verb: Mini's path, methods, parameters, success and error texts,
// and the call it makes into the control plane.
func TestControlPlaneVerbs(t *testing.T) {
	f := webtest.NewSecured(t)
	registry := httptest.NewServer(http.NotFoundHandler()) // any answer counts as reachable
	t.Cleanup(registry.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()

	const key = "0f8fad5b-d9cb-469f-a165-70867728950e"
	const formCT = "application/x-www-form-urlencoded"
	anonIP := `{"schema":"iglu:com.snowplowanalytics.snowplow/anon_ip/jsonschema/1-0-1","data":{"vendor":"com.snowplowanalytics.snowplow","name":"anon_ip","enabled":true,"parameters":{"anonOctets":2}}}`
	upload := func(name, content string) webtest.Req {
		body, ct := multipartBody(t, "enrichmentjson", name, content)
		return webtest.Req{Method: http.MethodPost, Path: "/control-plane/enrichments", ContentType: ct, Body: body}
	}
	formReq := func(method, path string, v url.Values) webtest.Req {
		return webtest.Req{Method: method, Path: path, ContentType: formCT, Body: v.Encode()}
	}
	cases := []struct {
		name   string
		r      webtest.Req
		status int
		body   string // exact
		call   string // the last call the plane got, "" for none
	}{
		{"restart-services", webtest.Req{Method: http.MethodPut, Path: "/control-plane/restart-services"}, 200, "OK", "reload"},
		{"restart-services POST", webtest.Req{Method: http.MethodPost, Path: "/control-plane/restart-services"}, 404, "\n", ""},
		{"restart-service", formReq(http.MethodPut, "/control-plane/restart-service", url.Values{"service_name": {"enrich"}}), 200, "OK", "reload enrich"},
		{"restart-service no-op name", formReq(http.MethodPut, "/control-plane/restart-service", url.Values{"service_name": {"kibana"}}), 200, "OK", "reload kibana"},
		{"restart-service missing", webtest.Req{Method: http.MethodPut, Path: "/control-plane/restart-service"}, 400, "Missing key service_name\n", ""},
		{"restart-service unknown", formReq(http.MethodPut, "/control-plane/restart-service", url.Values{"service_name": {"nsqd"}}), 400, "Recognized service names: collector, enrich, esLoaderGood, esLoaderBad, iglu, kibana, elasticsearch, caddy\n", ""},
		{"restart-service GET", webtest.Req{Path: "/control-plane/restart-service"}, 404, "Only PUT is supported\n", ""},
		{"reset-service", formReq(http.MethodPost, "/control-plane/reset-service", url.Values{"service_name": {"elasticsearch"}}), 200, "Both Elasticsearch & Kibana are reset including the data and index mappings", "reset"},
		{"reset-service other", formReq(http.MethodPost, "/control-plane/reset-service", url.Values{"service_name": {"iglu"}}), 400, "iglu can't be reset. Only elasticsearch can be reset.\n", ""},
		{"reset-service missing", webtest.Req{Method: http.MethodPost, Path: "/control-plane/reset-service"}, 400, "Missing key service_name\n", ""},
		{"reset-service PUT", webtest.Req{Method: http.MethodPut, Path: "/control-plane/reset-service"}, 400, "Only POST is supported\n", ""},
		{"enrichments", upload("anon_ip.json", anonIP), 200, "uploaded successfully", "enrichment anon_ip.json " + anonIP},
		{"enrichments traversal", upload("../../etc/x.json", anonIP), 200, "uploaded successfully", "enrichment x.json " + anonIP},
		{"enrichments windows path", upload(`..\..\conf\y.conf`, anonIP), 200, "uploaded successfully", "enrichment y.json " + anonIP},
		{"enrichments odd name", upload("a b$(rm).json", anonIP), 200, "uploaded successfully", "enrichment a_b__rm_.json " + anonIP},
		{"enrichments dot name", upload("..", anonIP), 200, "uploaded successfully", "enrichment enrichment.json " + anonIP},
		{"enrichments not JSON", upload("x.json", "{nope"), 400, "JSON is not valid\n", ""},
		{"enrichments array", upload("x.json", "[1]"), 400, "JSON is not valid\n", ""},
		{"enrichments no file", formReq(http.MethodPost, "/control-plane/enrichments", url.Values{"x": {"1"}}), 400, "missing parameter enrichmentjson: upload the config as a multipart file field named enrichmentjson\n", ""},
		{"enrichments GET", webtest.Req{Path: "/control-plane/enrichments"}, 404, "\n", ""},
		{"iglu-config", webtest.Req{Method: http.MethodPost, Path: "/control-plane/iglu-config"}, 501, "plowbox's Iglu registry is built in: there is no Iglu Server configuration to upload. Add registries with /control-plane/external-iglu and publish schemas to /api/schemas.\n", ""},
		{"external-iglu", formReq(http.MethodPost, "/control-plane/external-iglu", url.Values{"vendor_prefix": {"com.acme"}, "uri": {registry.URL}, "name": {"Acme"}, "priority": {"0"}, "apikey": {key}}), 200, "added successfully", "registry Acme " + registry.URL + " " + key + " com.acme 0"},
		{"external-iglu PUT apiKey", formReq(http.MethodPut, "/control-plane/external-iglu", url.Values{"vendor_prefix": {""}, "uri": {registry.URL}, "name": {"Other"}, "priority": {"3"}, "apiKey": {key}}), 200, "added successfully", "registry Other " + registry.URL + " " + key + "  3"},
		{"external-iglu missing", formReq(http.MethodPost, "/control-plane/external-iglu", url.Values{"uri": {registry.URL}, "name": {"Acme"}, "priority": {"0"}}), 400, "missing parameter\n", ""},
		{"external-iglu priority", formReq(http.MethodPost, "/control-plane/external-iglu", url.Values{"vendor_prefix": {"x"}, "uri": {registry.URL}, "name": {"Acme"}, "priority": {"high"}}), 400, "Priority must be an integer\n", ""},
		{"external-iglu unreachable", formReq(http.MethodPost, "/control-plane/external-iglu", url.Values{"vendor_prefix": {"x"}, "uri": {downURL}, "name": {"Acme"}, "priority": {"1"}}), 400, "Given URL is not reachable\n", ""},
		{"external-iglu not a URL", formReq(http.MethodPost, "/control-plane/external-iglu", url.Values{"vendor_prefix": {"x"}, "uri": {"file:///etc/passwd"}, "name": {"Acme"}, "priority": {"1"}}), 400, "Given URL is not reachable\n", ""},
		{"external-iglu apikey", formReq(http.MethodPost, "/control-plane/external-iglu", url.Values{"vendor_prefix": {"x"}, "uri": {registry.URL}, "name": {"Acme"}, "priority": {"1"}, "apikey": {"not-a-uuid"}}), 400, "Given apikey is not a valid UUID.\n", ""},
		{"external-iglu GET", webtest.Req{Path: "/control-plane/external-iglu"}, 404, "\n", ""},
		{"local-iglu-apikey", formReq(http.MethodPost, "/control-plane/local-iglu-apikey", url.Values{"local_iglu_apikey": {key}}), 200, "added successfully", "superkey " + key},
		{"local-iglu-apikey bad", formReq(http.MethodPost, "/control-plane/local-iglu-apikey", url.Values{"local_iglu_apikey": {"123"}}), 400, "Given apikey is not valid UUID\n", ""},
		{"local-iglu-apikey missing", webtest.Req{Method: http.MethodPost, Path: "/control-plane/local-iglu-apikey"}, 400, "missing parameter\n", ""},
		{"credentials weak", formReq(http.MethodPost, "/control-plane/credentials", url.Values{"new_username": {"ops"}, "new_password": {"password123"}}), 400, "weak password: strength score is 0 but must be 4 at least\n", ""},
		{"credentials short", formReq(http.MethodPost, "/control-plane/credentials", url.Values{"new_username": {"ops"}, "new_password": {"Xy7!"}}), 400, "weak password: length can not be shorter than 8 characters\n", ""},
		{"credentials no user", formReq(http.MethodPost, "/control-plane/credentials", url.Values{"new_password": {webtest.StrongPassword}}), 400, "missing parameter new_username\n", ""},
		{"credentials no password", formReq(http.MethodPost, "/control-plane/credentials", url.Values{"new_username": {"ops"}}), 400, "missing parameter new_password\n", ""},
		{"credentials", formReq(http.MethodPost, "/control-plane/credentials", url.Values{"new_username": {"ops"}, "new_password": {webtest.StrongPassword}}), 200, "changed successfully", ""},
		{"domain-name without TLS", formReq(http.MethodPost, "/control-plane/domain-name", url.Values{"domain_name": {"qa.example.com"}}), 501, "this plowbox serves no HTTPS of its own: start it with its TLS options (or behind a TLS-terminating load balancer) to use /control-plane/domain-name\n", ""},
		{"domain-name missing", webtest.Req{Method: http.MethodPost, Path: "/control-plane/domain-name"}, 400, "missing parameter\n", ""},
		{"add-hsts without TLS", webtest.Req{Method: http.MethodPut, Path: "/control-plane/add-hsts"}, 501, "this plowbox serves no HTTPS of its own: start it with its TLS options (or behind a TLS-terminating load balancer) to use /control-plane/add-hsts\n", ""},
		{"add-hsts POST", webtest.Req{Method: http.MethodPost, Path: "/control-plane/add-hsts"}, 404, "\n", ""},
		{"telemetry GET", webtest.Req{Path: "/control-plane/telemetry"}, 200, `{"collector.telemetry.disable":true}`, ""},
		{"telemetry PUT", formReq(http.MethodPut, "/control-plane/telemetry", url.Values{"disable": {"false"}}), 200, "", ""},
		{"telemetry PUT missing", webtest.Req{Method: http.MethodPut, Path: "/control-plane/telemetry"}, 400, "no key named disable\n", ""},
		{"telemetry PUT bad", formReq(http.MethodPut, "/control-plane/telemetry", url.Values{"disable": {"maybe"}}), 400, "set disable key to either true or false\n", ""},
		{"telemetry DELETE", webtest.Req{Method: http.MethodDelete, Path: "/control-plane/telemetry"}, 405, "http method not supported\n", ""},
		{"version", webtest.Req{Path: "/control-plane/version"}, 200, "9.9.9", ""},
		{"iglu-cache flush", webtest.Req{Method: http.MethodPost, Path: "/control-plane/iglu-cache/flush"}, 200, "OK", "flush"},
		{"iglu-cache flush GET", webtest.Req{Path: "/control-plane/iglu-cache/flush"}, 404, "\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.Plane.Record("-")
			tc.r.Basic = webtest.AsAdmin
			w := f.Do(t, tc.r)
			if w.Code != tc.status || w.Body.String() != tc.body {
				t.Errorf("got %d %q\nwant %d %q", w.Code, w.Body, tc.status, tc.body)
			}
			if got := strings.TrimPrefix(f.Plane.Last(), "-"); got != tc.call {
				t.Errorf("control plane call %q, want %q", got, tc.call)
			}
		})
	}
	// credentials created an admin that signs in.
	if w := f.Do(t, webtest.Req{Path: "/control-plane/version", Basic: [2]string{"ops", webtest.StrongPassword}}); w.Code != 200 {
		t.Errorf("user from /control-plane/credentials: %d", w.Code)
	}
}

// Errors of the control plane: 400 with the message for what the caller sent, 500
// otherwise; an enrichment that does not check out is "JSON is not valid: …".
func TestControlPlaneErrors(t *testing.T) {
	f := webtest.NewSecured(t)
	body, ct := multipartBody(t, "enrichmentjson", "anon_ip.json", `{"schema":"x"}`)
	cases := []struct {
		fail   error
		r      webtest.Req
		status int
		body   string
	}{
		{fmt.Errorf("%w: anon_ip.json: data.enabled is required", controlplane.ErrInvalid), webtest.Req{Method: http.MethodPost, Path: "/control-plane/enrichments", ContentType: ct, Body: body}, 400, "JSON is not valid: anon_ip.json: data.enabled is required\n"},
		{fmt.Errorf("%w: enrichments not reloaded", controlplane.ErrInvalid), webtest.Req{Method: http.MethodPut, Path: "/control-plane/restart-services"}, 400, "enrichments not reloaded\n"},
		{errors.New("disk full"), webtest.Req{Method: http.MethodPut, Path: "/control-plane/restart-services"}, 500, "disk full\n"},
	}
	for _, tc := range cases {
		f.Plane.SetFail(tc.fail)
		tc.r.Basic = webtest.AsAdmin
		if w := f.Do(t, tc.r); w.Code != tc.status || w.Body.String() != tc.body {
			t.Errorf("%v: %d %q, want %d %q", tc.fail, w.Code, w.Body, tc.status, tc.body)
		}
	}
	f.Plane.SetFail(nil)
	w := f.Do(t, webtest.Req{Path: "/control-plane/status", Basic: webtest.AsAdmin})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"selfTest":{"ok":true,"outcome":"good"`) {
		t.Errorf("status: %d %s", w.Code, w.Body)
	}
}
