package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/internal/tlsfront/tlsfronttest"
)

// TestServeMetrics sends good and bad events to the real binary and reads them back as
// Prometheus metrics.
func TestServeMetrics(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none", "--event-log=false")
	for _, path := range []string{"/i?e=pv&p=web&tv=js-3", "/i?e=se&se_ca=c&se_ac=a&p=web&tv=js-3", "/i"} {
		if code, body := p.get(t, path); code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
	}
	code, body := p.get(t, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	for _, want := range []string{
		`plowbox_events_total{event_type="page_view",failure="",outcome="good"} 1`,
		`plowbox_events_total{event_type="struct",failure="",outcome="good"} 1`,
		`plowbox_events_total{event_type="",failure="adapter_failures",outcome="bad"} 1`,
		`plowbox_enrich_duration_seconds_count 3`,
		`plowbox_store_commit_records_sum 3`,
		`plowbox_store_commit_duration_seconds_count`,
		`plowbox_store_records{kind="good"} 2`,
		`plowbox_store_records{kind="bad"} 1`,
		`plowbox_store_size_bytes`,
		`plowbox_store_oldest_record_age_seconds`,
		`plowbox_collector_payloads_total{result="stored"} 3`,
		`plowbox_http_requests_total{code="200",method="GET",route="collector"} 3`,
		`plowbox_build_info{goversion=`,
		`plowbox_retention_deleted_records_total{reason="age"} 0`,
		`plowbox_index_lag_records`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestServeMetricsNeedAuth checks that /metrics is a protected route under --auth basic.
func TestServeMetricsNeedAuth(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "basic", "--password", "s3cret-Passw0rd")
	if code, _ := p.get(t, "/metrics"); code != http.StatusUnauthorized {
		t.Errorf("/metrics without credentials: %d, want 401", code)
	}
}

// TestServeHTTPS runs the binary with a PEM certificate, LB-mode redirects and HSTS, and
// talks to both listeners.
func TestServeHTTPS(t *testing.T) {
	dir := t.TempDir()
	c := tlsfronttest.SelfSigned(t, "plowbox.test")
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	httpsAddr := fmt.Sprintf("127.0.0.1:%d", port)
	p := startPlowbox(t, "", "--auth", "none",
		"--tls-cert", writeTempFile(t, dir, "cert.pem", c.CertPEM), "--tls-key", writeTempFile(t, dir, "key.pem", c.KeyPEM),
		"--https-addr", httpsAddr, "--redirect-https", "--hsts")
	if !strings.Contains(p.stderr.String(), fmt.Sprintf("started at https://%s/", httpsAddr)) {
		t.Errorf("no HTTPS startup line in:\n%s", p.stderr)
	}
	resp, body := tlsfronttest.HTTPSGet(t, httpsAddr, "plowbox.test", "/micro/all", c.Leaf)
	if resp.StatusCode != 200 || !strings.Contains(body, `"total":0`) || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("HTTPS /micro/all: %d %q HSTS %q", resp.StatusCode, body, resp.Header.Get("Strict-Transport-Security"))
	}
	if resp, _ := tlsfronttest.HTTPSGet(t, httpsAddr, "plowbox.test", "/i?e=pv", c.Leaf); resp.StatusCode != 200 {
		t.Errorf("HTTPS /i: %d", resp.StatusCode)
	}

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := noFollow.Get(p.URL + "/micro/all")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if want := "https://127.0.0.1:" + fmt.Sprint(port) + "/micro/all"; r.StatusCode != http.StatusFound || r.Header.Get("Location") != want {
		t.Errorf("HTTP /micro/all: %d Location %q, want 302 %q", r.StatusCode, r.Header.Get("Location"), want)
	}
	if code, _ := p.get(t, "/i?e=pv"); code != 200 {
		t.Errorf("HTTP /i: %d, want 200 (the collector stays on HTTP)", code)
	}
}

// TestServeMicroPKCS12 starts plowbox the way the Micro container starts: the
// certificate is ssl-certificate.p12 in the config directory, its password in
// MICRO_SSL_CERT_PASSWORD.
func TestServeMicroPKCS12(t *testing.T) {
	dir := t.TempDir()
	c := tlsfronttest.SelfSigned(t, "plowbox.test")
	p12 := tlsfronttest.EncodeP12(t, c, "changeit")
	writeTempFile(t, dir, "ssl-certificate.p12", p12)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	httpsAddr := fmt.Sprintf("127.0.0.1:%d", port)
	t.Setenv("MICRO_SSL_CERT_PASSWORD", "changeit")
	startPlowbox(t, "", "--auth", "none", "--config-dir", dir, "--https-addr", httpsAddr)
	if resp, _ := tlsfronttest.HTTPSGet(t, httpsAddr, "plowbox.test", "/health", c.Leaf); resp.StatusCode != 200 {
		t.Errorf("HTTPS /health: %d", resp.StatusCode)
	}
}

// TestHealthCommand runs plowbox health against a running plowbox and a closed port.
func TestHealthCommand(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none")
	addr := strings.TrimPrefix(p.URL, "http://")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"health"}, &out, &errb, envMap(map[string]string{"PLOWBOX_ADDR": addr})); code != 0 {
		t.Errorf("health of a running plowbox: exit %d, %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "healthy: "+p.URL+"/health") {
		t.Errorf("stdout %q", out.String())
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	if code := run(context.Background(), []string{"health", "--addr", fmt.Sprintf(":%d", port), "--timeout", "2s"}, io.Discard, &errb, envMap(nil)); code != 1 {
		t.Errorf("health of a closed port: exit %d, want 1", code)
	}
}

func TestHealthURL(t *testing.T) {
	tests := map[string]string{
		":9090":          "http://127.0.0.1:9090/health",
		"0.0.0.0:9090":   "http://127.0.0.1:9090/health",
		"[::]:9090":      "http://[::1]:9090/health",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/health",
		"localhost:9090": "http://localhost:9090/health",
	}
	for addr, want := range tests {
		if got, err := healthURL(addr); err != nil || got != want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := healthURL("9090"); err == nil {
		t.Error("healthURL(9090) accepted an address without a colon")
	}
}

func writeTempFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envMap(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}
