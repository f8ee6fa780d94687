package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/enrichments"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web"
)

// serveConfig is everything plowbox serve can be told.
type serveConfig struct {
	addr           string
	data           string
	auth           string
	user           string
	password       string
	output         string
	eventLog       bool
	logFormat      string
	logLevel       string
	microAPI       string
	badRows        bool
	maxPayloadSize int
	maxJSONDepth   int
	noSync         bool
	memoryLimit    int64
	enrichmentsDir string
	// exchangeRatesURL is the Open Exchange Rates API of currency_conversion_config.
	exchangeRatesURL string
	// collectorConfig is a collector HOCON file (Micro's --collector-config).
	collectorConfig string
	iglu             igluConfig
	index            indexConfig
	retention        retentionConfig
	collector        collector.Config
	tls              tlsSettings
}

// serveOptions is the table of plowbox serve's options.
func serveOptions(c *serveConfig) []option {
	c.collector = collector.DefaultConfig()
	cc := &c.collector
	return append([]option{
		{name: "addr", usage: "address to listen on", value: str(&c.addr, ":9090")},
		{name: "collector-config", aliases: []string{"config", "c"}, usage: "collector HOCON file, as Micro and the Snowplow collector read it (interface, port, paths, cookie, …); its settings are defaults that flags and environment variables override, and -Dcollector.<key>=<value> arguments override it", value: str(&c.collectorConfig, "")},
		{name: "data", usage: "data directory: events, bad rows, schemas and settings", value: str(&c.data, "./plowbox-data")},
		{name: "auth", usage: "basic: every route but the collector and /health needs credentials; none: everything is open (laptops, CI)", value: enum(&c.auth, "basic", "basic", "none")},
		{name: "user", usage: "user name for --auth basic", value: str(&c.user, "admin")},
		{name: "password", usage: "password for --auth basic; when empty, plowbox generates one at first start, prints it once and keeps its hash in the data directory", value: str(&c.password, "")},
		{name: "output", usage: "print each good event to stdout: tsv (enriched TSV) or json (flattened JSON); empty for none", value: enum(&c.output, "", "", "tsv", "json")},
		{name: "output-tsv", aliases: []string{"t"}, usage: "same as --output tsv (Micro's flag)", value: constValue{&c.output, "tsv"}},
		{name: "output-json", aliases: []string{"j"}, usage: "same as --output json (Micro's flag)", value: constValue{&c.output, "json"}},
		{name: "event-log", usage: "log a GOOD or BAD line per event to stderr, as Micro does", value: boolean(&c.eventLog, true)},
		{name: "log-format", usage: "log format: text or json", value: enum(&c.logFormat, "text", "text", "json")},
		{name: "log-level", usage: "log level: debug, info, warn or error", value: enum(&c.logLevel, "info", "debug", "info", "warn", "error")},
		{name: "micro-api", usage: "Micro generation whose reset and 404 texts plowbox mimics: 3 or 4", value: enum(&c.microAPI, "4", "3", "4")},
		{name: "micro-bad-rows", usage: "add the parsed bad rows as a badRows key to /micro/bad entries", value: boolean(&c.badRows, false)},
		{name: "max-payload-size", usage: "largest collector payload in bytes; larger ones become size_violation bad rows", value: integer(&c.maxPayloadSize, 1<<20)},
		{name: "max-json-depth", usage: "deepest nesting allowed in self-describing JSON", value: integer(&c.maxJSONDepth, 50)},
		{name: "enrichments", usage: "directory of Snowplow enrichment configs (*.json) to run, as Enrich and Micro read them", value: str(&c.enrichmentsDir, "")},
		{name: "exchange-rates-url", usage: "Open Exchange Rates API of the currency conversion enrichment; point it at a local service serving /historical/YYYY-MM-DD.json when offline", value: str(&c.exchangeRatesURL, enrichments.DefaultExchangeRatesURL)},
		{name: "memory-limit", usage: "soft limit of the Go heap (e.g. 256MiB, 1GiB; 0 for none); GOMEMLIMIT wins when set", value: size(&c.memoryLimit, defaultMemoryLimit)},
		{name: "no-sync", usage: "skip fsync on commit (faster, but a power loss can lose acknowledged events)", value: boolean(&c.noSync, false)},

		{name: "drop-payload-size", usage: "largest request body in bytes; larger ones get 413 and are not stored", value: int64Value{&cc.DropPayloadSize}},
		{name: "cookie-enabled", usage: "set the network user id cookie", value: boolean(&cc.Cookie.Enabled, cc.Cookie.Enabled)},
		{name: "cookie-name", usage: "name of the network user id cookie", value: str(&cc.Cookie.Name, cc.Cookie.Name)},
		{name: "cookie-expiration", usage: "lifetime of the network user id cookie", value: duration(&cc.Cookie.Expiration, cc.Cookie.Expiration)},
		{name: "cookie-domains", usage: "cookie domains matched against the request's Origin hosts (comma-separated)", value: list(&cc.Cookie.Domains)},
		{name: "cookie-fallback-domain", usage: "cookie domain when none of --cookie-domains matches", value: str(&cc.Cookie.FallbackDomain, "")},
		{name: "cookie-secure", usage: "add Secure to the cookie (always added with SameSite=None)", value: boolean(&cc.Cookie.Secure, cc.Cookie.Secure)},
		{name: "cookie-http-only", usage: "add HttpOnly to the cookie", value: boolean(&cc.Cookie.HTTPOnly, cc.Cookie.HTTPOnly)},
		{name: "cookie-same-site", usage: "SameSite attribute: None, Lax, Strict, or empty for none", value: enum(&cc.Cookie.SameSite, cc.Cookie.SameSite, "None", "Lax", "Strict", "")},
		{name: "client-cookie-name", usage: "name of a second, script-readable copy of the cookie", value: str(&cc.Cookie.ClientCookieName, "")},
		{name: "do-not-track-cookie", usage: "NAME=REGEX: requests with this cookie matching REGEX are answered but not stored", value: dntValue{&cc.DoNotTrackCookie}},
		{name: "cookie-bounce", usage: "bounce pixel requests without a cookie once to detect third-party cookie blocking", value: boolean(&cc.CookieBounce.Enabled, false)},
		{name: "enable-redirect", usage: "serve the /r/tp2 click-redirect endpoint", value: boolean(&cc.EnableDefaultRedirect, false)},
		{name: "redirect-domains", usage: "hosts the click redirect may send to (comma-separated); empty for any", value: list(&cc.RedirectDomains)},
		{name: "paths", usage: "custom path aliases /vendor/version=/com.snowplowanalytics.snowplow/tp2 (or /r/tp2, /com.snowplowanalytics.iglu/v1), comma-separated", value: pairs(&cc.Paths)},
		{name: "crossdomain", usage: "serve /crossdomain.xml", value: boolean(&cc.CrossDomain.Enabled, false)},
		{name: "cors-max-age", usage: "Access-Control-Max-Age of CORS preflight answers", value: duration(&cc.CORS.AccessControlMaxAge, cc.CORS.AccessControlMaxAge)},
		{name: "hsts-max-age", usage: "send Strict-Transport-Security with this max-age; 0 for none", value: hstsValue{&cc.HSTS}},
	}, append(append(igluOptions(&c.iglu), tlsOptions(&c.tls)...), append(indexOptions(&c.index), retentionOptions(&c.retention)...)...)...)
}

type int64Value struct{ p *int64 }

func (v int64Value) String() string { return fmt.Sprint(*v.p) }
func (v int64Value) Set(s string) error {
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		return fmt.Errorf("must be a whole number")
	}
	*v.p = n
	return nil
}

type dntValue struct {
	p *collector.DoNotTrackCookieConfig
}

func (v dntValue) String() string {
	if !v.p.Enabled {
		return ""
	}
	return v.p.Name + "=" + v.p.Value
}
func (v dntValue) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" || value == "" {
		return fmt.Errorf("want NAME=REGEX")
	}
	*v.p = collector.DoNotTrackCookieConfig{Enabled: true, Name: name, Value: value}
	return nil
}

type hstsValue struct{ p *collector.HSTSConfig }

func (v hstsValue) String() string {
	if !v.p.Enable {
		return "0s"
	}
	return v.p.MaxAge.String()
}
func (v hstsValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("must be a duration such as 8760h")
	}
	*v.p = collector.HSTSConfig{Enable: d > 0, MaxAge: d}
	return nil
}

// serve runs plowbox serve until ctx is cancelled.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	var cfg serveConfig
	configWarnings, err := parseServeOptions(&cfg, args, lookupEnv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log := newLogger(stderr, cfg.logFormat, cfg.logLevel)
	for _, w := range configWarnings {
		log.Warn("collector config", "file", cfg.collectorConfig, "warning", w)
	}
	applyMemoryLimit(cfg.memoryLimit, log)
	cfg.collector.Name = collector.Name(version)
	if err := cfg.collector.Validate(); err != nil {
		return fmt.Errorf("collector configuration: %w", err)
	}

	if err := os.MkdirAll(cfg.data, 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	met := newMetrics()
	link := newIndexLink(log)
	ret, err := storeRetention(cfg.retention, cfg.data, cfg.index.indexDir(cfg.data), link, log)
	if err != nil {
		return err
	}
	st, err := store.Open(cfg.data, store.Options{NoSync: cfg.noSync, OnCommit: met.observeCommit, Retention: ret, OnDelete: link.onDelete, Logger: log})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	ix, err := openIndex(cfg.data, cfg.index, st, log)
	if err != nil {
		return err
	}
	defer ix.Close()
	link.attach(st, ix)
	defer link.stopDeleting()

	resolver, validator, err := buildIglu(cfg.iglu, st, log, lookupEnv)
	if err != nil {
		return err
	}
	superKey, err := loadSuperKey(cfg.iglu, cfg.data, cfg.auth == "basic", stderr)
	if err != nil {
		return err
	}

	users, auth, err := setupUsers(cfg, st, log, stderr)
	if err != nil {
		return err
	}

	list, err := loadEnrichments(cfg, validator, log)
	if err != nil {
		return err
	}
	defer enrichments.Close(list)

	ecfg := enrich.Config{
		Version:        version,
		MaxPayloadSize: cfg.maxPayloadSize,
		MaxJSONDepth:   cfg.maxJSONDepth,
		Enrichments:    list,
		Validator:      validator,
	}
	enricher := enrich.New(ecfg)
	pipe := newPipeline(enricher, st, stdout, stderr, cfg.output, cfg.eventLog)
	rt, err := startRuntime(cfg, st, log, pipe, resolver, validator, ecfg, list, superKey, lookupEnv)
	if err != nil {
		return err
	}
	rt.watchIndex(ix)
	coll := collector.New(cfg.collector, pipe, log)
	pipe.observe = met.observeResult
	met.watchStore(st, log)
	met.watchCollector(coll)
	met.watchIndex(ix)
	front, err := newFront(cfg.tls, cfg.data, lookupEnv, stderr, log)
	if err != nil {
		return err
	}
	handler := web.New(web.Config{
		Collector: coll,
		Store:     st,
		Auth:      auth,
		MicroAPI:  map[string]int{"3": 3, "4": 4}[cfg.microAPI],
		BadRows:   cfg.badRows,
		Iglu:      rt.igluOptions(igluWebOptions(st, resolver, validator, superKey)),
		Control:   controlOptions(rt, users, front),
		Logger:    log,
		Metrics:   met.reg,
		UI:        uiOptions(st, ix, log),
		Replay:    replayOptions(st, pipe),
		Index:     ix,
	})

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	srv := &http.Server{
		Handler:           front.wrap(handler, false),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       610 * time.Second,
		MaxHeaderBytes:    40960,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if err := front.start(handler, errc); err != nil {
		srv.Close()
		return err
	}
	fmt.Fprintf(stderr, "plowbox %s started at %s\n", version, listenURL(ln.Addr()))

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	if err := front.shutdown(shutdownCtx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	link.stopDeleting()
	if err := ix.Close(); err != nil {
		log.Warn("shutdown", "err", err)
	}
	if err := st.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// loadEnrichments reads the --enrichments directory; a broken config stops plowbox
// rather than leaving it half-configured.
func loadEnrichments(cfg serveConfig, v enrich.Validator, log *slog.Logger) ([]enrich.Enrichment, error) {
	if cfg.enrichmentsDir == "" { // uploads through the control plane, if any
		return loadEnrichmentsFrom(enrichmentsDirOf(cfg), cfg.data, cfg.exchangeRatesURL, v, log)
	}
	list, _, err := enrichments.Load(cfg.enrichmentsDir, enrichments.Options{
		DataDir:          cfg.enrichmentsDir,
		CacheDir:         filepath.Join(cfg.data, "enrichment-assets"),
		ExchangeRatesURL: cfg.exchangeRatesURL,
		Logger:           log,
		Validate: func(ctx context.Context, schema string, data json.RawMessage) error {
			if res := v.Validate(ctx, schema, data); res.Error != nil {
				b, _ := json.Marshal(res.Error)
				return fmt.Errorf("not valid against %s: %s", schema, b)
			}
			return nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("enrichments: %w", err)
	}
	log.Info("enrichments loaded", "dir", cfg.enrichmentsDir, "count", len(list))
	return list, nil
}

// listenURL renders the bound address the way Micro's startup line does:
// http://[::]:9090/ for a wildcard listener.
func listenURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String() + "/"
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "::"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port)) + "/"
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
