package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCollectorConfigOptions: a collector HOCON file sets defaults; environment
// variables, flags and -Dcollector.* arguments win over it, under each of Micro's names
// for the option.
func TestCollectorConfigOptions(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "micro.conf")
	if err := os.WriteFile(conf, []byte(`collector {
  interface = "127.0.0.1"
  port = 9091
  cookie { name = "micro", expiration = "30 days" }
  networking.maxPayloadSize = 500000
  ssl.port = 9443
}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(bad, []byte("collector {\n  cookie {\n    name = \n  }\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) (string, bool) { return "", false }
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		addr       string
		cookie     string
		maxPayload int
	}{
		{name: "the file alone", args: []string{"--collector-config", conf}, addr: "127.0.0.1:9091", cookie: "micro", maxPayload: 500000},
		{name: "Micro 4.1's --config", args: []string{"--config", conf}, addr: "127.0.0.1:9091", cookie: "micro", maxPayload: 500000},
		{name: "Micro's -c", args: []string{"-c", conf}, addr: "127.0.0.1:9091", cookie: "micro", maxPayload: 500000},
		{name: "flags win", args: []string{"--collector-config", conf, "--addr", ":8080", "--cookie-name", "flag"}, addr: ":8080", cookie: "flag", maxPayload: 500000},
		{name: "environment variables win", args: []string{"--collector-config", conf}, env: map[string]string{"PLOWBOX_MAX_PAYLOAD_SIZE": "1000"},
			addr: "127.0.0.1:9091", cookie: "micro", maxPayload: 1000},
		{name: "-D overrides win over the file", args: []string{"--collector-config", conf, "-Dcollector.cookie.name=sp", "-Dcollector.port=9092"},
			addr: "127.0.0.1:9092", cookie: "sp", maxPayload: 500000},
		{name: "-D overrides without a file", args: []string{"-Dcollector.cookie.name=sp"}, addr: ":9090", cookie: "sp", maxPayload: 1 << 20},
		{name: "no file", args: nil, addr: ":9090", cookie: "sp", maxPayload: 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := noEnv
			if tt.env != nil {
				lookup = func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			}
			var cfg serveConfig
			if _, err := parseServeOptions(&cfg, tt.args, lookup, io.Discard); err != nil {
				t.Fatal(err)
			}
			if cfg.addr != tt.addr || cfg.collector.Cookie.Name != tt.cookie || cfg.maxPayloadSize != tt.maxPayload {
				t.Errorf("addr %q cookie %q max payload %d; want %q %q %d",
					cfg.addr, cfg.collector.Cookie.Name, cfg.maxPayloadSize, tt.addr, tt.cookie, tt.maxPayload)
			}
			if strings.Contains(strings.Join(tt.args, " "), conf) && cfg.collector.Cookie.Expiration != 30*24*time.Hour {
				t.Errorf("cookie expiration %s, want the file's 30 days", cfg.collector.Cookie.Expiration)
			}
		})
	}
	t.Run("bad HOCON is refused with the file, line and reason", func(t *testing.T) {
		var cfg serveConfig
		_, err := parseServeOptions(&cfg, []string{"--collector-config", bad}, noEnv, io.Discard)
		if err == nil || err.Error() != bad+`:4:3: invalid value: unknown value: "}"` {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a missing file", func(t *testing.T) {
		var cfg serveConfig
		_, err := parseServeOptions(&cfg, []string{"--collector-config", filepath.Join(dir, "nope.conf")}, noEnv, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "nope.conf: no such file") {
			t.Fatalf("error %v", err)
		}
	})
}

// TestCollectorConfigServe starts plowbox as the seed starts Micro's container
// (`--collector-config /config/micro.conf`): the file's cookie name and custom path are
// served, and its unknown key is warned about by name at start.
func TestCollectorConfigServe(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "micro.conf")
	if err := os.WriteFile(conf, []byte(`collector {
  paths { "/com.acme/track" = "/com.snowplowanalytics.snowplow/tp2" }
  cookie { name = "micro", domains = [
      # "acme.com"
    ]
  }
  streams { good = "good", bad = "bad", buffer { byteLimit = 10 } }
  cookei.secure = false
}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startPlowbox(t, "", "--auth", "none", "--collector-config", conf)
	if !strings.Contains(p.stderr.String(), "collector.cookei.secure: unknown key; ignored") {
		t.Errorf("no warning for the misspelt key at start:\n%s", p.stderr.String())
	}
	resp, err := http.Post(p.URL+"/com.acme/track", "application/json; charset=UTF-8",
		strings.NewReader(`{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[{"e":"pv","p":"web","tv":"t","aid":"conf"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Set-Cookie"), "micro=") {
		t.Fatalf("status %d, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	if len(good) != 1 {
		t.Fatalf("%d good events, want the one sent to the custom path", len(good))
	}
}

// TestExchangeRatesURL: --exchange-rates-url points the currency conversion enrichment
// of --enrichments at a local Open Exchange Rates stand-in.
func TestExchangeRatesURL(t *testing.T) {
	var asked []string
	var mu sync.Mutex
	rates := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"base":"USD","rates":{"EUR":0.5,"USD":1}}`)
	}))
	defer rates.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "currency.json"), []byte(`{"schema":"iglu:com.snowplowanalytics.snowplow/currency_conversion_config/jsonschema/1-0-0",
	  "data":{"enabled":true,"vendor":"com.snowplowanalytics.snowplow","name":"currency_conversion_config",
	  "parameters":{"accountType":"DEVELOPER","apiKey":"offline","baseCurrency":"EUR","rateAt":"EOD_PRIOR"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startPlowbox(t, "", "--auth", "none", "--enrichments", dir, "--exchange-rates-url", rates.URL)
	if code, body := p.get(t, "/i?e=tr&tr_id=o1&tr_tt=80&tr_cu=USD&p=web&tv=t"); code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	if len(good) != 1 || good[0].Event["tr_total_base"] != 40.0 || good[0].Event["base_currency"] != "EUR" {
		t.Fatalf("events %+v", good)
	}
	collected, err := time.Parse(time.RFC3339, good[0].Event["collector_tstamp"].(string))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if day := collected.AddDate(0, 0, -1).Format(time.DateOnly); len(asked) != 1 || asked[0] != "/historical/"+day+".json" {
		t.Errorf("rates asked for %q, want those of the day before the event (%s)", asked, day)
	}
}
