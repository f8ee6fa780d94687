package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/enrich/enrichments"
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

// linkAssets lays out the enrichments' data files in dir the way the fixtures name them:
// MaxMind's test databases under their enum names, the referer-parser database and the
// IAB test lists of Snowplow's black-box tests.
func linkAssets(t *testing.T, dir string) {
	t.Helper()
	shared, err := filepath.Abs("../../../shared/testdata")
	if err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{
		"maxmind/GeoIP2-City.mmdb":            "maxmind/GeoIP2-City-Test.mmdb",
		"maxmind/GeoIP2-ISP.mmdb":             "maxmind/GeoIP2-ISP-Test.mmdb",
		"maxmind/GeoIP2-Domain.mmdb":          "maxmind/GeoIP2-Domain-Test.mmdb",
		"maxmind/GeoIP2-Connection-Type.mmdb": "maxmind/GeoIP2-Connection-Type-Test.mmdb",
		"maxmind/GeoLite2-ASN.mmdb":           "maxmind/GeoLite2-ASN-Test.mmdb",
		"referer-parser/referers.yml":         "referer-parser/referers.yml",
		"iab/ip_exclude_current_cidr.txt":     "enrich-blackbox/resources/ip_exclude_current_cidr.txt",
		"iab/exclude_current.txt":             "enrich-blackbox/resources/exclude_current.txt",
		"iab/include_current.txt":             "enrich-blackbox/resources/include_current.txt",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(shared, target), p); err != nil {
			t.Fatal(err)
		}
	}
}

// Every enrichment plowbox runs, enabled at once from a config directory (validated
// against the built-in Iglu Central snapshot, with no network), changes the one event a
// tracker sends as Snowplow's would; the PII enrichment's pii_transformation event is
// not a good event.
func TestServeAllEnrichments(t *testing.T) {
	dir := t.TempDir()
	linkAssets(t, dir)
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The configs' schemas want URIs: the fixtures' relative asset directories become
	// file:// URIs of the same directories. The IAB fixture's includeUseragents lists
	// PlowboxQA, which the request's user agent carries.
	relURI := regexp.MustCompile(`"uri":"([a-z-]+)"`)
	for _, f := range []string{"anon_ip.good.json", "ua_parser_config.good.json", "ip_lookups.good.json",
		"campaign_attribution.good.json", "referer_parser.good.json", "event_fingerprint_config.good.json",
		"cookie_extractor_config.good.json", "http_header_extractor_config.good.json",
		"weather_enrichment_config.good.json", "iab_spiders_and_robots_enrichment.good.json", "cross_navigation_config.good.json"} {
		b, err := os.ReadFile(filepath.Join(enrichmentConfigs, f))
		if err != nil {
			t.Fatal(err)
		}
		write(f, relURI.ReplaceAllString(string(b), `"uri":"file://`+filepath.ToSlash(dir)+`/$1"`))
	}
	write("pii.json", `{"schema":"iglu:com.snowplowanalytics.snowplow.enrichments/pii_enrichment_config/jsonschema/2-0-1",
	 "data":{"vendor":"com.snowplowanalytics.snowplow.enrichments","name":"pii_enrichment_config","enabled":true,"emitEvent":true,
	  "parameters":{"pii":[{"pojo":{"field":"user_id"}},
	   {"json":{"field":"derived_contexts","schemaCriterion":"iglu:com.snowplowanalytics.snowplow/ua_parser_context/jsonschema/1-*-*","jsonPath":"$.useragentFamily"}}],
	  "strategy":{"pseudonymize":{"hashFunction":"SHA-256","salt":"pepper"}}}}}`)
	// Micro's plain-text script form: it reads the contexts the earlier enrichments derived.
	write("count.js", `function process(event) {
	  var d = JSON.parse(event.getDerived_contexts());
	  event.setApp_id(event.getApp_id() + "-js-" + d.data.length);
	  return null;
	}`)
	nw := newNoNetwork(t)
	p := startPlowboxEnv(t, "", nw.env(), "--auth", "none", "--enrichments", dir, "--iglu-dir", emptyRegistry(t))
	if !strings.Contains(p.stderr.String(), "weather_enrichment_config: not supported yet") {
		t.Errorf("no warning for the weather enrichment at start:\n%s", p.stderr.String())
	}

	page := "https://shop.example/landing?utm_source=newsletter&utm_medium=email&utm_campaign=spring&_sp=7c6a.1700000000123"
	req, _ := http.NewRequest(http.MethodGet, p.URL+"/i?e=pv&p=web&tv=t&aid=shop&uid=jane&url="+url.QueryEscape(page)+
		"&refr="+url.QueryEscape("https://www.google.com/search?q=running+shoes"), nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 PlowboxQA")
	req.Header.Set("X-Forwarded-For", "81.2.69.142")
	req.Header.Set("X-Acme-Trace", "abc")
	req.Header.Set("Cookie", "_ga=GA1.2.3")
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
	if _, all := p.get(t, "/micro/all"); !strings.Contains(all, `"total":1,`) {
		t.Errorf("/micro/all = %s; the pii_transformation event must not count", all)
	}
	ev := good[0].Event
	sum := sha256.Sum256([]byte("janepepper"))
	checkFields(t, "all", ev, map[string]any{
		"mkt_source": "newsletter", "mkt_medium": "email", "mkt_campaign": "spring",
		"refr_medium": "search", "refr_source": "Google", "refr_term": "running shoes",
		"geo_city": "London", "geo_country": "GB", "user_ipaddress": "81.2.x.x",
		"user_id": hex.EncodeToString(sum[:]),
	})
	if fp, _ := ev["event_fingerprint"].(string); len(fp) != 32 {
		t.Errorf("event_fingerprint %q", fp)
	}
	derived, _ := ev["derived_contexts"].(map[string]any)
	data, _ := derived["data"].([]any)
	schemas := map[string]map[string]any{}
	for _, d := range data {
		m := d.(map[string]any)
		schemas[strings.SplitN(m["schema"].(string), "/jsonschema/", 2)[0]], _ = m["data"].(map[string]any)
	}
	for _, want := range []string{"iglu:com.snowplowanalytics.snowplow/ua_parser_context", "iglu:com.iab.snowplow/spiders_and_robots",
		"iglu:org.ietf/http_cookie", "iglu:org.ietf/http_header", "iglu:com.snowplowanalytics.snowplow/cross_navigation"} {
		if _, ok := schemas[want]; !ok {
			t.Errorf("no %s context in %v", want, derived)
		}
	}
	if iab := schemas["iglu:com.iab.snowplow/spiders_and_robots"]; iab["category"] != "BROWSER" {
		t.Errorf("IAB %v, want a browser (the config's includeUseragents)", iab)
	}
	family := sha256.Sum256([]byte("Chromepepper"))
	if ua := schemas["iglu:com.snowplowanalytics.snowplow/ua_parser_context"]; ua["useragentFamily"] != hex.EncodeToString(family[:]) {
		t.Errorf("ua-parser context %v, want its useragentFamily pseudonymised", ua)
	}
	m := regexp.MustCompile(`^shop-js-(\d+)$`).FindStringSubmatch(ev["app_id"].(string))
	if m == nil {
		t.Fatalf("app_id %v, want the script's", ev["app_id"])
	}
	if n, _ := strconv.Atoi(m[1]); n != len(data) {
		t.Errorf("the script saw %d derived contexts, the event has %d", n, len(data))
	}
	if n := nw.Asked(); n != 0 {
		t.Errorf("plowbox asked the network %d times", n)
	}
}

// With no network, an enrichment whose data file is to be downloaded lacks its data:
// plowbox starts all the same, runs the others, and /control-plane/status says which
// enrichment lacks what and how to give it; once the file is where plowbox said, a
// reload runs it.
func TestServeEnrichmentLacksData(t *testing.T) {
	dir := t.TempDir()
	copyConfig(t, dir, "campaign_attribution.good.json")
	referer := `{"schema":"iglu:com.snowplowanalytics.snowplow/referer_parser/jsonschema/2-0-1","data":{"vendor":"com.snowplowanalytics.snowplow","name":"referer_parser","enabled":true,` +
		`"parameters":{"internalDomains":[],"database":"referers-latest.json","uri":"https://s3-eu-west-1.amazonaws.com/snowplow-hosted-assets/third-party/referer-parser/"}}}`
	if err := os.WriteFile(filepath.Join(dir, "referer_parser.json"), []byte(referer), 0o600); err != nil {
		t.Fatal(err)
	}
	nw := newNoNetwork(t)
	p := startPlowboxEnv(t, "", nw.env(), "--auth", "none", "--enrichments", dir, "--iglu-dir", emptyRegistry(t))
	if !strings.Contains(p.stderr.String(), "referer_parser "+enrichments.LacksData) {
		t.Errorf("no warning at start:\n%s", p.stderr.String())
	}
	var status struct {
		Healthy    bool
		Components []struct {
			Name    string
			Healthy bool
			Detail  string
		}
	}
	p.getJSON(t, "/control-plane/status", &status)
	var found bool
	for _, c := range status.Components {
		if c.Name != "enrichment:referer_parser.json" {
			continue
		}
		found = true
		cache := filepath.Join(p.Data, "enrichment-assets")
		for _, want := range []string{"lacks data: ", "download https://s3-eu-west-1.amazonaws.com/snowplow-hosted-assets/third-party/referer-parser/referers-latest.json",
			"put referers-latest.json in " + cache + ", or point uri at a local directory holding it"} {
			if !strings.Contains(c.Detail, want) || c.Healthy {
				t.Errorf("status of referer_parser.json %+v lacks %q", c, want)
			}
		}
	}
	if !found || !status.Healthy {
		t.Errorf("status %+v: want a healthy plowbox with an enrichment:referer_parser.json component", status)
	}

	refr := "/i?e=pv&p=web&tv=t&url=" + url.QueryEscape("https://shop.example/?utm_source=news") + "&refr=" + url.QueryEscape("https://www.google.com/search?q=shoes")
	p.get(t, refr)
	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	if len(good) != 1 || good[0].Event["mkt_source"] != "news" || good[0].Event["refr_medium"] != nil {
		t.Fatalf("good events %+v: want campaign attribution and no referer parsing", good)
	}

	// The file where the status said, the next reload runs the enrichment.
	db, err := os.ReadFile("../../../shared/testdata/referer-parser/referers.yml")
	if err != nil {
		t.Fatal(err)
	}
	referer = strings.Replace(referer, "referers-latest.json", "referers.yml", 1)
	if err := os.WriteFile(filepath.Join(dir, "referer_parser.json"), []byte(referer), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p.Data, "enrichment-assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.Data, "enrichment-assets", "referers.yml"), db, 0o600); err != nil {
		t.Fatal(err)
	}
	if status, body := p.do(t, http.MethodPut, "/control-plane/restart-service", "application/x-www-form-urlencoded", "service_name=enrich"); status != 200 {
		t.Fatalf("reload: %d %s", status, body)
	}
	p.get(t, refr)
	good = nil
	p.getJSON(t, "/micro/good", &good)
	if len(good) != 2 || good[0].Event["refr_medium"] != "search" {
		t.Errorf("after the reload: %+v", good[0].Event["refr_medium"])
	}
	_, body := p.get(t, "/control-plane/status")
	if strings.Contains(body, "lacks data") {
		t.Errorf("status still says lacks data: %s", body)
	}
}
