// Package tlsfront is plowbox's TLS and proxy layer in front of its web handler: the
// HTTPS listener (a PEM or PKCS#12 certificate, or one obtained through ACME), the ACME
// HTTP-01 challenge on the HTTP listener, which forwarded headers of reverse proxies to
// believe, the redirect to HTTPS and HSTS. Its SetDomain and EnableHSTS are the control
// plane's TLS verbs.
package tlsfront

import (
	"context"
	"crypto"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/plowbox/plowbox/internal/framing"
	"github.com/plowbox/plowbox/internal/httplimits"
	"github.com/plowbox/plowbox/internal/options"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/plowbox/plowbox/web"
	"github.com/plowbox/plowbox/web/controlplane"
)

// Settings are the options of plowbox's HTTPS listener and of the proxies in front of it.
type Settings struct {
	cert, key      string // PEM files
	p12            string // PKCS12 file (Micro's ssl-certificate.p12)
	p12Password    string
	domain         string // ACME
	acmeEmail      string
	acmeDirectory  string
	httpsAddr      string
	trustedProxies []string
	redirectHTTPS  bool
	hsts           bool
	configDir      string // Micro's config directory
	// Limits are the HTTPS listener's timeouts, those of the HTTP listener.
	Limits httplimits.Timeouts
}

// SetHTTPSAddr sets the HTTPS listener's address, as a collector config's ssl.port does;
// options parsed afterwards override it.
func (s *Settings) SetHTTPSAddr(addr string) { s.httpsAddr = addr }

// SetRedirectHTTPS sets the redirect to HTTPS, as a collector config's ssl.redirect
// does; options parsed afterwards override it.
func (s *Settings) SetRedirectHTTPS(on bool) { s.redirectHTTPS = on }

// Environment variable with the PKCS12 password in the Micro container; setting it turns
// HTTPS on with <config dir>/ssl-certificate.p12, as in the Snowplow Micro container
// (https://docs.snowplow.io/docs/testing/snowplow-micro/advanced-usage/).
const (
	microCertPasswordEnv = "MICRO_SSL_CERT_PASSWORD"
	microCertFile        = "ssl-certificate.p12"
	defaultHTTPSAddr     = ":9543"
	hstsValueMini        = "max-age=31536000; includeSubDomains"
	tlsStateFile         = "tls.json"
	microConfigDir       = "/config" // where the Micro container keeps its configuration
)

// Options is the table of the TLS and proxy options of plowbox serve.
func Options(c *Settings) []options.Option {
	return []options.Option{
		{Name: "tls-cert", Usage: "PEM certificate (chain) file for HTTPS; needs --tls-key", Value: options.String(&c.cert, "")},
		{Name: "tls-key", Usage: "PEM private key file of --tls-cert", Value: options.String(&c.key, "")},
		{Name: "tls-p12", Usage: "PKCS12 certificate and key for HTTPS (Micro's ssl-certificate.p12); password from --tls-p12-password or " + microCertPasswordEnv, Value: options.String(&c.p12, "")},
		{Name: "tls-p12-password", Usage: "password of --tls-p12 (prefer the environment variable)", Value: options.String(&c.p12Password, "")},
		{Name: "tls-domain", Usage: "get a certificate for this domain from an ACME CA (Let's Encrypt by default), answering HTTP-01 on the HTTP listener and TLS-ALPN-01 on the HTTPS one; certificates are kept in <data>/acme", Value: options.String(&c.domain, "")},
		{Name: "acme-email", Usage: "contact e-mail given to the ACME CA (optional)", Value: options.String(&c.acmeEmail, "")},
		{Name: "acme-directory", Usage: "ACME directory URL, for a staging or private CA; empty for Let's Encrypt", Value: options.String(&c.acmeDirectory, "")},
		{Name: "https-addr", Usage: "address of the HTTPS listener, used when a certificate is configured (default " + defaultHTTPSAddr + ")", Value: options.String(&c.httpsAddr, "")},
		{Name: "trusted-proxies", Usage: "CIDRs of reverse proxies whose X-Forwarded-For/-Proto headers are believed; when set, those headers are removed from other peers' requests (comma-separated)", Value: options.List(&c.trustedProxies)},
		{Name: "redirect-https", Usage: "redirect plowbox's own paths (not the collector's) to HTTPS when a request came over plain HTTP, directly or through a trusted proxy", Value: options.Bool(&c.redirectHTTPS, false)},
		{Name: "config-dir", Usage: "Micro's configuration directory; with " + microCertPasswordEnv + " set, HTTPS uses its " + microCertFile + " (empty means " + microConfigDir + ")", Value: options.String(&c.configDir, "")},
		{Name: "hsts", Usage: "send Strict-Transport-Security \"" + hstsValueMini + "\" on HTTPS answers", Value: options.Bool(&c.hsts, false)},
	}
}

// tlsState is what the control plane changed at runtime, kept in <data>/tls.json.
type tlsState struct {
	Domain string `json:"domain,omitempty"`
	HSTS   bool   `json:"hsts,omitempty"`
}

// Front is plowbox's TLS and proxy layer around the web handler: it serves the HTTPS
// listener (a static certificate or ACME), answers ACME HTTP-01 challenges on the HTTP
// listener, decides which forwarded headers to believe, redirects to HTTPS and adds
// HSTS. Its SetDomain and EnableHSTS are the control plane's TLS verbs.
type Front struct {
	set     Settings
	dataDir string
	log     *slog.Logger
	trusted []netip.Prefix
	static  *tls.Certificate // from PEM or PKCS12; nil without one
	acme    atomic.Pointer[acmeState]
	hsts    atomic.Bool
	stderr  io.Writer
	version string // printed in the HTTPS startup line

	mu      sync.Mutex // guards the fields below and tls.json
	handler http.Handler
	errc    chan<- error
	srv     *http.Server // the HTTPS server; nil until started
	addr    net.Addr     // its bound address
}

// Front serves the control plane's domain-name and add-hsts verbs.
var _ controlplane.TLSControl = (*Front)(nil)

// acmeState is one ACME configuration: the domain and its manager.
type acmeState struct {
	domain string
	mgr    *autocert.Manager
	http01 http.Handler // the manager's HTTP-01 responder
}

// New checks the TLS settings and loads the certificate or the persisted ACME domain
// (kept in dataDir); version is plowbox's, for the startup line.
func New(set Settings, dataDir, version string, lookupEnv func(string) (string, bool), stderr io.Writer, log *slog.Logger) (*Front, error) {
	f := &Front{set: set, dataDir: dataDir, version: version, log: log, stderr: stderr}
	for _, s := range set.trustedProxies {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %w", err)
		}
		f.trusted = append(f.trusted, p)
	}
	if set.p12Password == "" {
		set.p12Password, _ = lookupEnv(microCertPasswordEnv)
	}
	if _, micro := lookupEnv(microCertPasswordEnv); micro && set.p12 == "" && set.cert == "" && set.domain == "" {
		dir := set.configDir
		if dir == "" {
			dir = microConfigDir
		}
		set.p12 = filepath.Join(dir, microCertFile)
	}
	sources := 0
	for _, s := range []string{set.cert + set.key, set.p12, set.domain} {
		if s != "" {
			sources++
		}
	}
	if sources > 1 {
		return nil, errors.New("TLS: give one of --tls-cert/--tls-key, --tls-p12 or --tls-domain")
	}
	var err error
	switch {
	case set.cert != "" || set.key != "":
		f.static, err = loadPEMPair(set.cert, set.key)
	case set.p12 != "":
		f.static, err = loadPKCS12(set.p12, set.p12Password)
	}
	if err != nil {
		return nil, err
	}
	state, err := f.readState()
	if err != nil {
		return nil, err
	}
	f.hsts.Store(set.hsts || state.HSTS)
	domain := set.domain
	if domain == "" && f.static == nil {
		domain = state.Domain // set at runtime through the control plane
	}
	if domain != "" {
		if err := checkDomain(domain); err != nil {
			return nil, fmt.Errorf("--tls-domain: %w", err)
		}
		f.acme.Store(f.newACME(domain))
	}
	return f, nil
}

// parsePrefix reads a CIDR, or a single address as a one-address prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR (10.0.0.0/8) or an address", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// loadPEMPair reads a PEM certificate chain and its key.
func loadPEMPair(certFile, keyFile string) (*tls.Certificate, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("TLS: --tls-cert and --tls-key go together")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS: load %s and %s: %w", certFile, keyFile, err)
	}
	return &cert, nil
}

// loadPKCS12 reads a PKCS12 file with one private key and its certificate chain, as
// keytool and openssl (legacy or AES) write them.
func loadPKCS12(file, password string) (*tls.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("TLS: read PKCS12 %s: %w", file, err)
	}
	key, leaf, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		return nil, fmt.Errorf("TLS: decode PKCS12 %s (is %s or --tls-p12-password right?): %w", file, microCertPasswordEnv, err)
	}
	cert := &tls.Certificate{PrivateKey: key, Leaf: leaf, Certificate: [][]byte{leaf.Raw}}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	// The key must be the certificate's, as tls.X509KeyPair checks for PEM.
	signer, ok := key.(crypto.Signer)
	pub, ok2 := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !ok2 || !pub.Equal(signer.Public()) {
		return nil, fmt.Errorf("TLS: PKCS12 %s: the private key does not match the certificate", file)
	}
	return cert, nil
}

// domainPattern is a DNS name with at least two labels, as ACME CAs require.
var domainPattern = regexp.MustCompile(`^(?i)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$`)

// checkDomain rejects what is not a plain DNS name (a URL, a port, an address).
func checkDomain(d string) error {
	if len(d) > 253 || !domainPattern.MatchString(d) {
		return fmt.Errorf("%q is not a domain name such as plowbox.example.com", d)
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return fmt.Errorf("%q is an IP address; ACME needs a domain name", d)
	}
	return nil
}

// newACME returns the ACME configuration of domain: certificates and the account key
// cached in <data>/acme, only this domain allowed.
func (f *Front) newACME(domain string) *acmeState {
	m := &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		Cache:      autocert.DirCache(filepath.Join(f.dataDir, "acme")),
		HostPolicy: autocert.HostWhitelist(domain),
		Email:      f.set.acmeEmail,
	}
	if f.set.acmeDirectory != "" {
		m.Client = &acme.Client{DirectoryURL: f.set.acmeDirectory}
	}
	return &acmeState{domain: domain, mgr: m, http01: m.HTTPHandler(http.NotFoundHandler())}
}

// httpsEnabled reports whether plowbox has a certificate to serve.
func (f *Front) httpsEnabled() bool { return f.static != nil || f.acme.Load() != nil }

// httpsAddr is the HTTPS listen address.
func (f *Front) httpsAddr() string {
	if f.set.httpsAddr != "" {
		return f.set.httpsAddr
	}
	return defaultHTTPSAddr
}

// getCertificate serves the ACME certificate for its domain (and the TLS-ALPN-01
// challenge), the static certificate otherwise.
func (f *Front) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if a := f.acme.Load(); a != nil && (f.static == nil || strings.EqualFold(strings.TrimSuffix(hello.ServerName, "."), a.domain)) {
		return a.mgr.GetCertificate(hello)
	}
	if f.static != nil {
		return f.static, nil
	}
	return nil, errors.New("plowbox has no certificate")
}

// tlsConfig is the HTTPS listener's configuration.
func (f *Front) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: f.getCertificate,
		NextProtos:     []string{"h2", "http/1.1", acme.ALPNProto},
	}
}

// Wrap returns h behind the proxy, HSTS, ACME and redirect rules; overTLS says whether
// it serves the HTTPS listener.
func (f *Front) Wrap(h http.Handler, overTLS bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied := f.fromTrustedProxy(r)
		if !proxied && len(f.trusted) > 0 {
			for _, name := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-Ip", "Forwarded"} {
				r.Header.Del(name)
			}
		}
		secure := overTLS || (proxied && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
		if !overTLS && strings.HasPrefix(r.URL.Path, "/.well-known/acme-challenge/") {
			if a := f.acme.Load(); a != nil {
				a.http01.ServeHTTP(w, r)
				return
			}
		}
		if secure && f.hsts.Load() {
			w.Header().Set("Strict-Transport-Security", hstsValueMini)
		}
		if !secure && f.set.redirectHTTPS && web.Reserved(r.URL.Path) {
			f.redirect(w, r, proxied && r.Header.Get("X-Forwarded-Proto") != "")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fromTrustedProxy reports whether the request's peer is one of --trusted-proxies.
func (f *Front) fromTrustedProxy(r *http.Request) bool {
	if len(f.trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	for _, p := range f.trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// redirect sends the client to the same URL over HTTPS: on the load balancer's port when
// a proxy forwarded the request, on plowbox's HTTPS port otherwise. Like Mini's LB mode,
// GET and HEAD get 302, other methods 307 so that their body is sent again.
func (f *Front) redirect(w http.ResponseWriter, r *http.Request, viaProxy bool) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" {
		http.Error(w, "HTTPS required: this request has no Host to redirect to", http.StatusBadRequest)
		return
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if !viaProxy {
		if _, port, err := net.SplitHostPort(f.httpsAddr()); err == nil && port != "443" && port != "" {
			host = net.JoinHostPort(strings.Trim(host, "[]"), port)
		}
	}
	code := http.StatusFound
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		code = http.StatusTemporaryRedirect
	}
	http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), code)
}

// Start runs the HTTPS listener when plowbox has a certificate; its Serve error goes to
// errc. h is the web handler; the HTTP listener's is Wrap(h, false).
func (f *Front) Start(h http.Handler, errc chan<- error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handler, f.errc = h, errc
	if !f.httpsEnabled() {
		return nil
	}
	return f.listenLocked()
}

// listenLocked opens the HTTPS listener; f.mu is held.
func (f *Front) listenLocked() error {
	if f.srv != nil {
		return nil
	}
	if f.handler == nil {
		return errors.New("HTTPS: plowbox is not serving yet")
	}
	ln, err := net.Listen("tcp", f.httpsAddr())
	if err != nil {
		return fmt.Errorf("HTTPS: listen on %s: %w", f.httpsAddr(), err)
	}
	cfg := f.tlsConfig()
	f.srv = f.set.Limits.Apply(&http.Server{
		// Content-Length with Transfer-Encoding: 400, as on the HTTP listener.
		Handler:     framing.Guard(withTLSState(f.Wrap(f.handler, true))),
		TLSConfig:   cfg,
		ConnContext: connContext,
		ErrorLog:    slog.NewLogLogger(f.log.Handler(), slog.LevelDebug), // handshake noise from scanners
	})
	f.addr = ln.Addr()
	srv, errc := f.srv, f.errc
	// Its own copy: Serve configures HTTP/2 on srv.TLSConfig while handshakes read theirs.
	tln := newListener(ln, cfg.Clone(), srv.ReadHeaderTimeout, f.log)
	go func() {
		if err := srv.Serve(tln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("HTTPS: %w", err)
		}
	}()
	fmt.Fprintf(f.stderr, "plowbox %s started at %s\n", f.version, httpsURL(ln.Addr()))
	return nil
}

// Shutdown stops the HTTPS listener gracefully.
func (f *Front) Shutdown(ctx context.Context) error {
	f.mu.Lock()
	srv := f.srv
	f.mu.Unlock()
	if srv == nil {
		return nil
	}
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("HTTPS shutdown: %w", err)
	}
	return nil
}

// SetDomain configures ACME for domain at runtime (Mini's /control-plane/domain-name):
// it opens the HTTPS listener if needed, obtains the certificate through the ACME
// challenge itself (which proves the domain points here, on any host or cloud), and only
// then keeps the domain in <data>/tls.json. On failure the previous configuration stays.
func (f *Front) SetDomain(ctx context.Context, domain string) error {
	domain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
	if err := checkDomain(domain); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	next := f.newACME(domain)
	prev := f.acme.Swap(next)
	if err := f.listenLocked(); err != nil {
		f.acme.Store(prev)
		return err
	}
	done := make(chan error, 1)
	go func() {
		// Ask as a modern client does, so the ECDSA certificate browsers get is the one made.
		_, err := next.mgr.GetCertificate(&tls.ClientHelloInfo{
			ServerName:   domain,
			CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		})
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		f.acme.Store(prev)
		return fmt.Errorf("obtain a certificate for %s: %w", domain, err)
	}
	state, err := f.readState()
	if err != nil {
		return err
	}
	state.Domain = domain
	if err := f.writeState(state); err != nil {
		return err
	}
	f.log.Info("ACME certificate obtained", "domain", domain)
	return nil
}

// EnableHSTS adds Strict-Transport-Security to HTTPS answers from now on and after
// restarts (Mini's /control-plane/add-hsts).
func (f *Front) EnableHSTS() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	state, err := f.readState()
	if err != nil {
		return err
	}
	state.HSTS = true
	if err := f.writeState(state); err != nil {
		return err
	}
	f.hsts.Store(true)
	return nil
}

// readState reads <data>/tls.json; a missing file is the zero state.
func (f *Front) readState() (tlsState, error) {
	var s tlsState
	path := filepath.Join(f.dataDir, tlsStateFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read TLS settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("read TLS settings %s (fix or delete it): %w", path, err)
	}
	return s, nil
}

// writeState replaces <data>/tls.json atomically.
func (f *Front) writeState(s tlsState) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode TLS settings: %w", err)
	}
	path := filepath.Join(f.dataDir, tlsStateFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write TLS settings: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write TLS settings: %w", err)
	}
	return nil
}

// httpsURL renders the HTTPS listener's address the way Micro's startup line does:
// https://[::]:9543/ for a wildcard listener.
func httpsURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "https://" + addr.String() + "/"
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "::"
	}
	return "https://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port)) + "/"
}
