package tlsfront

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/internal/tlsfront/tlsfronttest"

	"github.com/plowbox/plowbox/internal/options"

	"golang.org/x/crypto/acme"
	"software.sslmate.com/src/go-pkcs12"
)

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

// echoHandler stands for the web handler: it echoes the path and the forwarded headers.
var echoHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, r.URL.Path+" xff="+r.Header.Get("X-Forwarded-For")+" xfp="+r.Header.Get("X-Forwarded-Proto"))
})

// startFront starts f's HTTPS listener on a loopback port and returns its address.
func startFront(t *testing.T, f *Front) string {
	t.Helper()
	f.set.httpsAddr = "127.0.0.1:0"
	errc := make(chan error, 1)
	if err := f.Start(echoHandler, errc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := f.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	if f.addr == nil {
		t.Fatal("no HTTPS listener")
	}
	return f.addr.String()
}

var discardLog = slog.New(slog.DiscardHandler)

func TestTLSStaticPEM(t *testing.T) {
	dir := t.TempDir()
	c := tlsfronttest.SelfSigned(t, "plowbox.test")
	set := Settings{
		cert: writeTempFile(t, dir, "cert.pem", c.CertPEM),
		key:  writeTempFile(t, dir, "key.pem", c.KeyPEM),
		hsts: true,
	}
	f, err := New(set, dir, "test", envMap(nil), io.Discard, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	addr := startFront(t, f)
	resp, body := tlsfronttest.HTTPSGet(t, addr, "plowbox.test", "/micro/all", c.Leaf)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "/micro/all") {
		t.Errorf("GET /micro/all over TLS: %d %q", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != hstsValueMini {
		t.Errorf("HSTS = %q, want %q", got, hstsValueMini)
	}
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("TLS state %+v", resp.TLS)
	}
}

func TestTLSPKCS12(t *testing.T) {
	c := tlsfronttest.SelfSigned(t, "plowbox.test")
	other := tlsfronttest.SelfSigned(t, "other.test")
	modern, err := pkcs12.Modern.Encode(c.Key, c.Leaf, nil, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := pkcs12.LegacyRC2.Encode(c.Key, c.Leaf, nil, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	mismatched, err := pkcs12.Modern.Encode(other.Key, c.Leaf, nil, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		p12     []byte
		flag    bool // give --tls-p12; otherwise rely on Micro's config dir default
		env     map[string]string
		wantErr string
	}{
		{name: "micro default file and env password (AES)", p12: modern, env: map[string]string{microCertPasswordEnv: "s3cret"}},
		{name: "flag and env password (RC2, keytool legacy)", p12: legacy, flag: true, env: map[string]string{microCertPasswordEnv: "s3cret"}},
		{name: "flag with the plowbox variable", p12: modern, flag: true, env: map[string]string{"PLOWBOX_TLS_P12_PASSWORD": "s3cret"}},
		{name: "wrong password", p12: modern, flag: true, env: map[string]string{microCertPasswordEnv: "nope"}, wantErr: "decode PKCS12"},
		{name: "key of another certificate", p12: mismatched, flag: true, env: map[string]string{microCertPasswordEnv: "s3cret"}, wantErr: "does not match"},
		{name: "not PKCS12", p12: c.CertPEM, flag: true, env: map[string]string{microCertPasswordEnv: "s3cret"}, wantErr: "decode PKCS12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeTempFile(t, dir, microCertFile, tt.p12)
			var set Settings
			// The password option is read from the environment the way parseOptions does.
			if err := options.Parse("serve", Options(&set), nil, envMap(tt.env), io.Discard); err != nil {
				t.Fatal(err)
			}
			set.configDir = dir
			if tt.flag {
				set.p12 = path
			}
			f, err := New(set, dir, "test", envMap(tt.env), io.Discard, discardLog)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			addr := startFront(t, f)
			if resp, body := tlsfronttest.HTTPSGet(t, addr, "plowbox.test", "/health", c.Leaf); resp.StatusCode != 200 || !strings.HasPrefix(body, "/health") {
				t.Errorf("GET /health: %d %q", resp.StatusCode, body)
			}
		})
	}
}

// TestTLSPKCS12OpenSSL reads a file made the way Micro's docs make ssl-certificate.p12,
// with the openssl command line (AES-256 and PBKDF2 in OpenSSL 3).
func TestTLSPKCS12OpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	c := tlsfronttest.SelfSigned(t, "plowbox.test")
	certFile := writeTempFile(t, dir, "cert.pem", c.CertPEM)
	keyFile := writeTempFile(t, dir, "key.pem", c.KeyPEM)
	out := filepath.Join(dir, microCertFile)
	cmd := exec.Command("openssl", "pkcs12", "-export", "-in", certFile, "-inkey", keyFile, "-out", out, "-passout", "pass:changeit")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, b)
	}
	f, err := New(Settings{configDir: dir}, dir, "test", envMap(map[string]string{microCertPasswordEnv: "changeit"}), io.Discard, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	if f.static == nil || !f.static.Leaf.Equal(c.Leaf) {
		t.Fatal("the openssl PKCS12 certificate was not loaded")
	}
}

func TestTLSSettingsRefused(t *testing.T) {
	dir := t.TempDir()
	c := tlsfronttest.SelfSigned(t, "plowbox.test")
	cert := writeTempFile(t, dir, "cert.pem", c.CertPEM)
	key := writeTempFile(t, dir, "key.pem", c.KeyPEM)
	tests := []struct {
		name    string
		set     Settings
		wantErr string
	}{
		{"cert without key", Settings{cert: cert}, "go together"},
		{"key is not a key", Settings{cert: cert, key: cert}, "load"},
		{"missing file", Settings{cert: cert, key: filepath.Join(dir, "nope.pem")}, "no such file"},
		{"two sources", Settings{cert: cert, key: key, domain: "plowbox.example.com"}, "give one of"},
		{"domain with scheme", Settings{domain: "https://plowbox.example.com"}, "not a domain name"},
		{"domain with port", Settings{domain: "plowbox.example.com:443"}, "not a domain name"},
		{"single label", Settings{domain: "localhost"}, "not a domain name"},
		{"ip address", Settings{domain: "192.0.2.10"}, "IP address"},
		{"bad proxy", Settings{trustedProxies: []string{"10.0.0.0/33"}}, "--trusted-proxies"},
		{"proxy name", Settings{trustedProxies: []string{"lb.internal"}}, "not a CIDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.set, dir, "test", envMap(nil), io.Discard, discardLog)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestFrontRules checks the proxy, redirect and HSTS rules request by request.
func TestFrontRules(t *testing.T) {
	f, err := New(Settings{
		trustedProxies: []string{"10.0.0.0/8", "2001:db8::1"},
		redirectHTTPS:  true,
		hsts:           true,
		httpsAddr:      ":9543",
	}, t.TempDir(), "test", envMap(nil), io.Discard, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, target, host, peer string
		header                           map[string]string
		overTLS                          bool
		code                             int
		location, body                   string
		hsts                             bool
	}{
		{name: "plowbox path over HTTP", target: "/micro/all?x=1", peer: "192.0.2.1:5000",
			code: 302, location: "https://plowbox.example:9543/micro/all?x=1"},
		{name: "POST keeps its method", method: "POST", target: "/micro/good", peer: "192.0.2.1:5000",
			code: 307, location: "https://plowbox.example:9543/micro/good"},
		{name: "ipv6 host", target: "/metrics", host: "[2001:db8::9]:9090", peer: "192.0.2.1:5000",
			code: 302, location: "https://[2001:db8::9]:9543/metrics"},
		{name: "collector stays on HTTP", target: "/i?e=pv", peer: "192.0.2.1:5000",
			code: 200, body: "/i xff= xfp="},
		{name: "health stays on HTTP", target: "/health", peer: "192.0.2.1:5000", code: 200, body: "/health"},
		{name: "LB said https", target: "/micro/all", peer: "10.1.2.3:5000",
			header: map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"},
			code:   200, body: "/micro/all xff=198.51.100.7 xfp=https", hsts: true},
		{name: "LB said http: redirect to the LB's port", target: "/micro/all", peer: "10.1.2.3:5000",
			header: map[string]string{"X-Forwarded-Proto": "http"},
			code:   302, location: "https://plowbox.example/micro/all"},
		{name: "trusted ipv6 proxy", target: "/micro/all", peer: "[2001:db8::1]:5000",
			header: map[string]string{"X-Forwarded-Proto": "https"}, code: 200, hsts: true},
		{name: "untrusted peer claiming https", target: "/micro/all", peer: "192.0.2.1:5000",
			header: map[string]string{"X-Forwarded-Proto": "https"},
			code:   302, location: "https://plowbox.example:9543/micro/all"},
		{name: "untrusted peer's forwarded headers are dropped", target: "/i", peer: "192.0.2.1:5000",
			header: map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
			code:   200, body: "/i xff= xfp="},
		{name: "trusted proxy's x-forwarded-for reaches the collector", target: "/i", peer: "10.0.0.1:5000",
			header: map[string]string{"X-Forwarded-For": "203.0.113.9"},
			code:   200, body: "/i xff=203.0.113.9 xfp="},
		{name: "over TLS", target: "/micro/all", peer: "192.0.2.1:5000", overTLS: true, code: 200, hsts: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.method == "" {
				tt.method = "GET"
			}
			r := httptest.NewRequest(tt.method, tt.target, nil)
			r.Host = "plowbox.example:9090"
			if tt.host != "" {
				r.Host = tt.host
			}
			r.RemoteAddr = tt.peer
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			f.Wrap(echoHandler, tt.overTLS).ServeHTTP(w, r)
			if w.Code != tt.code {
				t.Errorf("code %d, want %d (%s)", w.Code, tt.code, w.Body)
			}
			if got := w.Header().Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			if tt.body != "" && !strings.HasPrefix(w.Body.String(), tt.body) {
				t.Errorf("body %q, want prefix %q", w.Body, tt.body)
			}
			if got := w.Header().Get("Strict-Transport-Security") != ""; got != tt.hsts {
				t.Errorf("HSTS sent: %v, want %v", got, tt.hsts)
			}
		})
	}
}

// TestFrontNoTrustedProxies keeps Snowplow's collector behaviour when no proxy is
// configured: X-Forwarded-For reaches the collector, X-Forwarded-Proto is not believed.
func TestFrontNoTrustedProxies(t *testing.T) {
	f, err := New(Settings{redirectHTTPS: true}, t.TempDir(), "test", envMap(nil), io.Discard, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]int{"/i": 200, "/micro/all": 302} {
		r := httptest.NewRequest("GET", target, nil)
		r.RemoteAddr = "127.0.0.1:5000"
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		r.Header.Set("X-Forwarded-Proto", "https")
		w := httptest.NewRecorder()
		f.Wrap(echoHandler, false).ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("%s: %d, want %d", target, w.Code, want)
		}
		if want == 200 && !strings.Contains(w.Body.String(), "xff=203.0.113.9") {
			t.Errorf("%s: X-Forwarded-For did not reach the collector: %s", target, w.Body)
		}
	}
}

// seedACME puts a certificate into the ACME cache under key, in autocert's format (the
// private key, then the chain), so that no CA is needed.
func seedACME(t *testing.T, dataDir, key string, c tlsfronttest.Cert) {
	t.Helper()
	dir := filepath.Join(dataDir, "acme")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(c.Key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	writeTempFile(t, dir, key, append(keyPEM, c.CertPEM...))
}

// TestACMEConfiguration checks the autocert manager plowbox builds. No ACME test CA runs
// here (pebble is not available), so issuance itself is not exercised: the cache is
// seeded instead, which is what a restart with obtained certificates looks like.
func TestACMEConfiguration(t *testing.T) {
	dir := t.TempDir()
	f, err := New(Settings{domain: "plowbox.test", acmeEmail: "qa@plowbox.test", acmeDirectory: "https://ca.internal/directory"},
		dir, "test", envMap(nil), io.Discard, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	a := f.acme.Load()
	if a == nil || a.domain != "plowbox.test" {
		t.Fatalf("acme state %+v", a)
	}
	m := a.mgr
	if m.Email != "qa@plowbox.test" || m.Client == nil || m.Client.DirectoryURL != "https://ca.internal/directory" {
		t.Errorf("manager e-mail %q, client %+v", m.Email, m.Client)
	}
	if got, ok := m.Cache.(interface {
		Get(context.Context, string) ([]byte, error)
	}); !ok || got == nil {
		t.Error("no cache")
	}
	if err := m.HostPolicy(context.Background(), "other.test"); err == nil {
		t.Error("host policy allows other.test")
	}
	if err := m.HostPolicy(context.Background(), "plowbox.test"); err != nil {
		t.Errorf("host policy refuses its domain: %v", err)
	}
	if cfg := f.tlsConfig(); !strings.Contains(strings.Join(cfg.NextProtos, ","), acme.ALPNProto) {
		t.Errorf("NextProtos %v lack %s (TLS-ALPN-01)", cfg.NextProtos, acme.ALPNProto)
	}
	if !f.httpsEnabled() || f.httpsAddr() != defaultHTTPSAddr {
		t.Errorf("HTTPS enabled %v on %s", f.httpsEnabled(), f.httpsAddr())
	}
}

// TestACMEHTTP01 checks that challenge requests on the HTTP listener reach the ACME
// manager (before redirects and the collector), for its domain only.
func TestACMEHTTP01(t *testing.T) {
	dir := t.TempDir()
	f, err := New(Settings{domain: "plowbox.test", redirectHTTPS: true}, dir, "test", envMap(nil), io.Discard, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "acme"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeTempFile(t, filepath.Join(dir, "acme"), "tok3n+http-01", []byte("tok3n.thumbprint"))
	srv := httptest.NewServer(f.Wrap(echoHandler, false))
	defer srv.Close()
	tests := []struct {
		host, path string
		code       int
		body       string
	}{
		{"plowbox.test", "/.well-known/acme-challenge/tok3n", 200, "tok3n.thumbprint"},
		{"plowbox.test", "/.well-known/acme-challenge/unknown", 404, ""},
		{"other.test", "/.well-known/acme-challenge/tok3n", 403, ""},
		{"plowbox.test", "/i", 200, "/i"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
		req.Host = tt.host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.HasPrefix(string(body), tt.body) {
			t.Errorf("%s%s: %d %q, want %d %q", tt.host, tt.path, resp.StatusCode, body, tt.code, tt.body)
		}
	}
}

// TestACMETLSALPN01 completes a TLS-ALPN-01 handshake the way the CA's validator does,
// and a normal handshake that gets the domain's cached certificate.
func TestACMETLSALPN01(t *testing.T) {
	dir := t.TempDir()
	token := tlsfronttest.SelfSigned(t, "plowbox.test")
	cert := tlsfronttest.SelfSigned(t, "plowbox.test")
	seedACME(t, dir, "plowbox.test+token", token)
	seedACME(t, dir, "plowbox.test", cert)
	f, err := New(Settings{domain: "plowbox.test"}, dir, "test", envMap(nil), io.Discard, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	addr := startFront(t, f)

	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "plowbox.test", NextProtos: []string{acme.ALPNProto}, InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS-ALPN-01 handshake: %v", err)
	}
	st := conn.ConnectionState()
	conn.Close()
	if st.NegotiatedProtocol != acme.ALPNProto || !st.PeerCertificates[0].Equal(token.Leaf) {
		t.Errorf("negotiated %q, got the token certificate: %v", st.NegotiatedProtocol, st.PeerCertificates[0].Equal(token.Leaf))
	}
	if resp, _ := tlsfronttest.HTTPSGet(t, addr, "plowbox.test", "/micro/all", cert.Leaf); resp.StatusCode != 200 {
		t.Errorf("GET over the ACME certificate: %d", resp.StatusCode)
	}
}

// TestTLSControl checks the control plane's TLS verbs: SetDomain verifies by obtaining
// the certificate (from the cache here), persists the domain, and changes nothing when
// the CA cannot be reached; EnableHSTS persists.
func TestTLSControl(t *testing.T) {
	dir := t.TempDir()
	// A closed port stands for a CA that cannot be reached.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadCA := "http://" + ln.Addr().String() + "/directory"
	ln.Close()
	f, err := New(Settings{acmeDirectory: deadCA}, dir, "test", envMap(nil), io.Discard, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	f.set.httpsAddr = "127.0.0.1:0"
	if err := f.Start(echoHandler, make(chan error, 1)); err != nil {
		t.Fatal(err)
	}
	defer f.Shutdown(context.Background())
	if f.addr != nil {
		t.Fatal("HTTPS listener opened without a certificate")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	if err := f.SetDomain(ctx, "not a domain"); err == nil || !strings.Contains(err.Error(), "not a domain name") {
		t.Errorf("SetDomain(bad) = %v", err)
	}
	if err := f.SetDomain(ctx, "unreachable.test"); err == nil || !strings.Contains(err.Error(), "obtain a certificate for unreachable.test") {
		t.Errorf("SetDomain with no CA = %v, want an error", err)
	}
	if f.acme.Load() != nil {
		t.Error("a failed SetDomain left ACME configured")
	}
	if _, err := os.Stat(filepath.Join(dir, tlsStateFile)); err == nil {
		t.Error("a failed SetDomain was persisted")
	}

	cert := tlsfronttest.SelfSigned(t, "plowbox.test")
	seedACME(t, dir, "plowbox.test", cert)
	if err := f.SetDomain(ctx, "Plowbox.Test."); err != nil {
		t.Fatalf("SetDomain: %v", err)
	}
	if resp, _ := tlsfronttest.HTTPSGet(t, f.addr.String(), "plowbox.test", "/micro/all", cert.Leaf); resp.StatusCode != 200 {
		t.Errorf("GET over the new domain: %d", resp.StatusCode)
	}
	if resp, _ := tlsfronttest.HTTPSGet(t, f.addr.String(), "plowbox.test", "/micro/all", cert.Leaf); resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS before EnableHSTS")
	}
	if err := f.EnableHSTS(); err != nil {
		t.Fatal(err)
	}
	if resp, _ := tlsfronttest.HTTPSGet(t, f.addr.String(), "plowbox.test", "/micro/all", cert.Leaf); resp.Header.Get("Strict-Transport-Security") != hstsValueMini {
		t.Error("no HSTS after EnableHSTS")
	}

	var state tlsState
	b, err := os.ReadFile(filepath.Join(dir, tlsStateFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &state); err != nil || state != (tlsState{Domain: "plowbox.test", HSTS: true}) {
		t.Errorf("tls.json = %s (%v)", b, err)
	}
	// After a restart, both come back without flags.
	g, err := New(Settings{}, dir, "test", envMap(nil), io.Discard, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	if a := g.acme.Load(); a == nil || a.domain != "plowbox.test" || !g.hsts.Load() {
		t.Errorf("restart: acme %+v, hsts %v", a, g.hsts.Load())
	}
}
