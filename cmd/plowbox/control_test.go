package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// strongPassword passes the control plane's password policy (zxcvbn score 4).
const strongPassword = "Tr0ub4dor&3-horse-staple-42"

// send makes a request with optional credentials (basic "user:password" or a bearer
// token) and headers, and returns the status and body.
func (p *instance) send(t *testing.T, method, path, contentType, body, cred string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, p.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	switch user, password, basic := strings.Cut(cred, ":"); {
	case basic:
		req.SetBasicAuth(user, password)
	case cred != "":
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// form sends a form-encoded control-plane request.
func (p *instance) form(t *testing.T, method, path string, v url.Values, cred string) (int, string) {
	t.Helper()
	return p.send(t, method, path, "application/x-www-form-urlencoded", v.Encode(), cred, nil)
}

// uploadEnrichment posts content as the multipart field enrichmentjson named filename.
func (p *instance) uploadEnrichment(t *testing.T, filename, content string) (int, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("enrichmentjson", filename)
	fw.Write([]byte(content))
	mw.Close()
	return p.send(t, http.MethodPost, "/control-plane/enrichments", mw.FormDataContentType(), b.String(), "", nil)
}

// lastGoodField sends a page view and returns field of the newest good event.
func pageViewField(t *testing.T, p *instance, field string) any {
	t.Helper()
	if status, _ := p.get(t, "/i?e=pv&p=web&tv=t&url=https%3A%2F%2Fshop.example%2F"); status != http.StatusOK {
		t.Fatalf("page view: %d", status)
	}
	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	if len(good) == 0 {
		_, bad := p.get(t, "/micro/bad")
		t.Fatalf("no good event; bad: %s", bad)
	}
	return good[0].Event[field]
}

// An enrichment uploaded through the control plane is checked with the startup loader,
// lands under its base name in the enrichments directory, changes the very next event,
// survives a restart; a broken one is refused and the running set keeps working.
func TestControlPlaneEnrichmentUpload(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none")
	if ip := pageViewField(t, p, "user_ipaddress"); ip != "127.0.0.1" {
		t.Fatalf("before the upload: user_ipaddress %v", ip)
	}
	good, err := os.ReadFile(filepath.Join(enrichmentConfigs, "anon_ip.good.json"))
	if err != nil {
		t.Fatal(err)
	}
	if status, body := p.uploadEnrichment(t, "../../etc/anon_ip.json", string(good)); status != 200 || body != "uploaded successfully" {
		t.Fatalf("upload: %d %q", status, body)
	}
	stored := filepath.Join(p.Data, "enrichments", "anon_ip.json")
	if b, err := os.ReadFile(stored); err != nil || !bytes.Equal(b, good) {
		t.Fatalf("uploaded config not at %s: %v", stored, err)
	}
	for _, escaped := range []string{filepath.Join(p.Data, "..", "etc", "anon_ip.json"), filepath.Join(p.Data, "etc", "anon_ip.json")} {
		if _, err := os.Stat(escaped); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the upload escaped to %s", escaped)
		}
	}
	if ip := pageViewField(t, p, "user_ipaddress"); ip != "127.0.x.x" {
		t.Errorf("the next event after the upload: user_ipaddress %v, want 127.0.x.x", ip)
	}

	broken, _ := os.ReadFile(filepath.Join(enrichmentConfigs, "anon_ip.bad-range.json"))
	status, body := p.uploadEnrichment(t, "anon_ip.json", string(broken))
	if status != http.StatusBadRequest || !strings.HasPrefix(body, "JSON is not valid: anon_ip.json") {
		t.Errorf("broken config: %d %q", status, body)
	}
	if b, _ := os.ReadFile(stored); !bytes.Equal(b, good) {
		t.Errorf("a refused config replaced the file")
	}
	if ip := pageViewField(t, p, "user_ipaddress"); ip != "127.0.x.x" {
		t.Errorf("after a refused upload: user_ipaddress %v", ip)
	}

	var st struct {
		Healthy    bool `json:"healthy"`
		Components []struct {
			Name    string `json:"name"`
			Healthy bool   `json:"healthy"`
			Detail  string `json:"detail"`
		} `json:"components"`
		Counts   struct{ Good int } `json:"counts"`
		Disk     int64              `json:"diskBytes"`
		Oldest   *string            `json:"oldestRecord"`
		SelfTest struct {
			OK      bool   `json:"ok"`
			Outcome string `json:"outcome"`
		} `json:"selfTest"`
	}
	p.getJSON(t, "/control-plane/status", &st)
	if !st.Healthy || !st.SelfTest.OK || st.Counts.Good != 3 || st.Disk == 0 || st.Oldest == nil {
		t.Errorf("status: %+v", st)
	}
	found := false
	for _, c := range st.Components {
		found = found || (c.Name == "enrichments" && c.Detail == "1 running")
	}
	if !found {
		t.Errorf("status components: %+v", st.Components)
	}
	wantCounts(t, p, 3, 0) // the self-test stores nothing

	p.kill(15)
	again := startPlowbox(t, p.Data, "--auth", "none")
	if ip := pageViewField(t, again, "user_ipaddress"); ip != "127.0.x.x" {
		t.Errorf("after a restart: user_ipaddress %v", ip)
	}
	if status, body := again.send(t, http.MethodPut, "/control-plane/restart-services", "", "", "", nil); status != 200 || body != "OK" {
		t.Errorf("restart-services: %d %q", status, body)
	}
}

// A registry added through the control plane resolves the very next schema lookup and
// is kept across restarts.
func TestControlPlaneExternalIglu(t *testing.T) {
	var hits atomic.Int32
	schema := `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#",` +
		`"self":{"vendor":"com.acme","name":"thing","format":"jsonschema","version":"1-0-0"},` +
		`"type":"object","properties":{"n":{"type":"integer"}},"required":["n"],"additionalProperties":false}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/schemas/com.acme/thing/jsonschema/1-0-0" {
			w.Write([]byte(schema))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	p := startPlowbox(t, "", "--auth", "none", "--iglu", resolverFile(t))

	const thing = "iglu:com.acme/thing/jsonschema/1-0-0"
	linkClick(t, p, thing, `{"n":1}`, false)
	wantCounts(t, p, 0, 1)

	v := url.Values{"vendor_prefix": {"com.acme"}, "uri": {srv.URL}, "name": {"Acme registry"}, "priority": {"0"}}
	if status, body := p.form(t, http.MethodPost, "/control-plane/external-iglu", v, ""); status != 200 || body != "added successfully" {
		t.Fatalf("external-iglu: %d %q", status, body)
	}
	linkClick(t, p, thing, `{"n":2}`, false)
	wantCounts(t, p, 1, 1)
	linkClick(t, p, thing, `{"n":"three"}`, false)
	wantCounts(t, p, 1, 2)

	v.Set("uri", "http://127.0.0.1:1/")
	if status, body := p.form(t, http.MethodPut, "/control-plane/external-iglu", v, ""); status != 400 || body != "Given URL is not reachable\n" {
		t.Errorf("unreachable registry: %d %q", status, body)
	}

	p.kill(15)
	before := hits.Load()
	again := startPlowbox(t, p.Data, "--auth", "none", "--iglu", resolverFile(t))
	if status, body := again.get(t, "/micro/iglu/com.acme/thing/jsonschema/1-0-0"); status != 200 || !strings.Contains(body, `"name":"thing"`) {
		t.Errorf("after a restart: %d %s", status, body)
	}
	if hits.Load() == before {
		t.Errorf("the kept registry was not asked after the restart")
	}
}

// Under --auth basic: the control plane needs an admin; credentials adds one under the
// password policy; local-iglu-apikey changes the registry's super key at once; tokens
// made through the API work as bearer credentials.
func TestControlPlaneAuth(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "basic", "--password", "pw-for-tests")
	const admin = "admin:pw-for-tests"
	if status, _ := p.send(t, http.MethodGet, "/control-plane/version", "", "", "", nil); status != 401 {
		t.Errorf("control plane without credentials: %d", status)
	}
	if status, body := p.send(t, http.MethodGet, "/control-plane/version", "", "", admin, nil); status != 200 || body != version {
		t.Errorf("version: %d %q", status, body)
	}
	weak := url.Values{"new_username": {"ops"}, "new_password": {"password"}}
	if status, body := p.form(t, http.MethodPost, "/control-plane/credentials", weak, admin); status != 400 || !strings.HasPrefix(body, "weak password: ") {
		t.Errorf("weak password: %d %q", status, body)
	}
	strong := url.Values{"new_username": {"ops"}, "new_password": {strongPassword}}
	if status, body := p.form(t, http.MethodPost, "/control-plane/credentials", strong, admin); status != 200 || body != "changed successfully" {
		t.Fatalf("credentials: %d %q", status, body)
	}
	ops := "ops:" + strongPassword

	const key = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	schemaPath := "/api/schemas/com.acme/x/jsonschema/1-0-0"
	schema := `{"$schema":"http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#","self":{"vendor":"com.acme","name":"x","format":"jsonschema","version":"1-0-0"},"type":"object"}`
	if status, _ := p.send(t, http.MethodPut, schemaPath, "application/json", schema, "", map[string]string{"apikey": key}); status != 403 {
		t.Errorf("unknown apikey: %d", status)
	}
	if status, body := p.form(t, http.MethodPost, "/control-plane/local-iglu-apikey", url.Values{"local_iglu_apikey": {key}}, ops); status != 200 || body != "added successfully" {
		t.Fatalf("local-iglu-apikey: %d %q", status, body)
	}
	if status, body := p.send(t, http.MethodPut, schemaPath, "application/json", schema, "", map[string]string{"apikey": key}); status != 201 {
		t.Errorf("new super key: %d %s", status, body)
	}

	status, body := p.send(t, http.MethodPost, "/plowbox/api/users", "application/json", `{"name":"vera","password":"`+strongPassword+`","role":"viewer"}`, ops, nil)
	if status != 201 {
		t.Fatalf("add viewer: %d %s", status, body)
	}
	status, body = p.send(t, http.MethodPost, "/plowbox/api/tokens", "application/json", `{"label":"ci"}`, "vera:"+strongPassword, nil)
	token := regexp.MustCompile(`pbx_[A-Za-z0-9_-]+`).FindString(body)
	if status != 201 || token == "" {
		t.Fatalf("token: %d %s", status, body)
	}
	if status, _ := p.send(t, http.MethodGet, "/micro/all", "", "", token, nil); status != 200 {
		t.Errorf("viewer token on /micro/all: %d", status)
	}
	if status, _ := p.send(t, http.MethodPut, "/control-plane/restart-services", "", "", token, nil); status != 403 {
		t.Errorf("viewer token on the control plane: %d", status)
	}
	if status, _ := p.send(t, http.MethodGet, "/micro/reset", "", "", token, nil); status != 403 {
		t.Errorf("viewer token on /micro/reset: %d", status)
	}

	// Tracker requests carrying plowbox's credentials do not store them.
	p.send(t, http.MethodGet, "/i?e=pv&p=web&tv=t", "", "", admin, map[string]string{"Cookie": "sp=3f2504e0-4f89-41d3-9a0c-0305e82c3301; plowbox_session=abc"})
	_, raw := p.send(t, http.MethodGet, "/micro/good", "", "", admin, nil)
	if strings.Contains(raw, "Authorization") || strings.Contains(raw, "plowbox_session") || !strings.Contains(raw, "sp=3f2504e0-4f89-41d3-9a0c-0305e82c3301") {
		t.Errorf("stored payload headers: %s", raw)
	}
}

// An htpasswd file left by an earlier plowbox becomes admins in the store, once.
func TestHtpasswdMigration(t *testing.T) {
	data := t.TempDir()
	hash, _ := bcrypt.GenerateFromPassword([]byte("old-secret"), bcrypt.MinCost)
	if err := os.WriteFile(filepath.Join(data, "htpasswd"), []byte("legacy:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startPlowbox(t, data, "--auth", "basic")
	if strings.Contains(p.stderr.String(), "generated a password") {
		t.Errorf("a password was generated although users were migrated")
	}
	if status, _ := p.send(t, http.MethodPut, "/control-plane/restart-services", "", "", "legacy:old-secret", nil); status != 200 {
		t.Errorf("migrated admin: %d", status)
	}
	if _, err := os.Stat(filepath.Join(data, "htpasswd.migrated")); err != nil {
		t.Errorf("htpasswd not set aside: %v", err)
	}
}

// plowbox users manages users and tokens on a data directory; the token then works
// against plowbox serve.
func TestUsersCommand(t *testing.T) {
	data := t.TempDir()
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(binary, append([]string{"users"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("plowbox users %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run(strongPassword+"\n", "add", "root", "--role", "admin", "--data", data)
	run("", "add", "ci", "--data", data)
	out := run("", "token", "ci", "pipeline", "--data", data)
	token := regexp.MustCompile(`pbx_[A-Za-z0-9_-]+`).FindString(out)
	if token == "" {
		t.Fatalf("no token in %q", out)
	}
	if list := run("", "list", "--data", data); !strings.Contains(list, "root") || !strings.Contains(list, "ci    viewer") {
		t.Errorf("list:\n%s", list)
	}
	cmd := exec.Command(binary, "users", "add", "weak", "--data", data)
	cmd.Stdin = strings.NewReader("password\n")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "weak password") {
		t.Errorf("weak password accepted: %s", out)
	}

	p := startPlowbox(t, data, "--auth", "basic")
	if status, _ := p.send(t, http.MethodGet, "/micro/all", "", "", token, nil); status != 200 {
		t.Errorf("token from plowbox users: %d", status)
	}
	if status, _ := p.send(t, http.MethodGet, "/control-plane/version", "", "", "root:"+strongPassword, nil); status != 200 {
		t.Errorf("admin from plowbox users: %d", status)
	}
	var tokens []map[string]any
	_, body := p.send(t, http.MethodGet, "/plowbox/api/tokens?all=true", "", "", "root:"+strongPassword, nil)
	if err := json.Unmarshal([]byte(body), &tokens); err != nil || len(tokens) != 1 {
		t.Fatalf("tokens: %s", body)
	}
	id := tokens[0]["id"].(string)
	if status, _ := p.send(t, http.MethodDelete, "/plowbox/api/tokens/"+id, "", "", "root:"+strongPassword, nil); status != 200 {
		t.Errorf("revoke: %d", status)
	}
	if status, _ := p.send(t, http.MethodGet, "/micro/all", "", "", token, nil); status != 401 {
		t.Errorf("revoked token: %d", status)
	}
}
