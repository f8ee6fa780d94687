package main

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const enrichmentConfigs = "../../enrich/enrichments/testdata/configs"

func copyConfig(t *testing.T, dir, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(enrichmentConfigs, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Enrichment configs in Snowplow's own format change the events the next request makes.
func TestServeEnrichments(t *testing.T) {
	dir := t.TempDir()
	copyConfig(t, dir, "campaign_attribution.good.json")
	copyConfig(t, dir, "ua_parser_config.good.json")
	p := startPlowbox(t, "", "--auth", "none", "--enrichments", dir)

	page := "https://shop.example/landing?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
	req, _ := http.NewRequest(http.MethodGet, p.URL+"/i?e=pv&p=web&tv=t&url="+url.QueryEscape(page), nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	if len(good) != 1 {
		_, bad := p.get(t, "/micro/bad")
		t.Fatalf("%d good events; bad: %s", len(good), bad)
	}
	checkFields(t, "campaign", good[0].Event, map[string]any{"mkt_source": "newsletter", "mkt_medium": "email", "mkt_campaign": "spring"})
	derived, _ := good[0].Event["derived_contexts"].(map[string]any)
	data, _ := derived["data"].([]any)
	if len(data) != 1 || !strings.Contains(data[0].(map[string]any)["schema"].(string), "ua_parser_context") {
		t.Errorf("derived_contexts = %v", derived)
	}
}

// A broken enrichment config stops plowbox at start with a message naming the file.
func TestServeRefusesBrokenEnrichment(t *testing.T) {
	dir := t.TempDir()
	copyConfig(t, dir, "anon_ip.bad-range.json")
	out, err := exec.Command(binary, "serve", "--auth", "none", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--enrichments", dir).CombinedOutput()
	if err == nil {
		t.Fatalf("plowbox started with a broken config:\n%s", out)
	}
	if !strings.Contains(string(out), "anon_ip.bad-range.json") {
		t.Errorf("error does not name the file:\n%s", out)
	}
}
