package main

import (
	"context"
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

	controlapi "github.com/plowbox/plowbox/web/controlplane"
	"github.com/plowbox/plowbox/web/queryapi"

	"github.com/plowbox/plowbox/internal/framing"
	"github.com/plowbox/plowbox/internal/httplimits"
	"github.com/plowbox/plowbox/internal/logthrottle"
	"github.com/plowbox/plowbox/internal/metrics"

	oklogrun "github.com/oklog/run"
	"github.com/plowbox/plowbox/internal/controlplane"
	"github.com/plowbox/plowbox/internal/pipeline"
	"github.com/plowbox/plowbox/internal/tlsfront"
	"github.com/plowbox/plowbox/store/index"

	"github.com/plowbox/plowbox/internal/options"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/enrichments"
	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/enrich/iglu/snapshot"
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
	iglu            igluConfig
	index           indexConfig
	retention       retentionConfig
	collector       collector.Config
	tls             tlsfront.Settings
	corsOrigins     []string
	plans           plansConfig
	kafka           kafkaConfig
}

// serveOptions is the table of plowbox serve's options.
func serveOptions(c *serveConfig) []options.Option {
	c.collector = collector.DefaultConfig()
	cc := &c.collector
	return append([]options.Option{
		{Name: "addr", Usage: "address to listen on", Value: options.String(&c.addr, ":9090")},
		{Name: "collector-config", Aliases: []string{"config", "c"}, Usage: "collector HOCON file, as Micro and the Snowplow collector read it (interface, port, paths, cookie, …); its settings are defaults that flags and environment variables override, and -Dcollector.<key>=<value> arguments override it", Value: options.String(&c.collectorConfig, "")},
		{Name: "data", Usage: "data directory: events, bad rows, schemas and settings", Value: options.String(&c.data, "./plowbox-data")},
		{Name: "cors-origins", Usage: "browser origins (https://host[:port], comma-separated) allowed to read /micro/* with a user's credentials under --auth basic; other origins get CORS without credentials", Value: options.List(&c.corsOrigins)},
		{Name: "auth", Usage: "basic: every route but the collector and /health needs credentials; none: everything is open (laptops, CI)", Value: options.Enum(&c.auth, "basic", "basic", "none")},
		{Name: "user", Usage: "user name for --auth basic", Value: options.String(&c.user, "admin")},
		{Name: "password", Usage: "password for --auth basic; when empty, plowbox generates one at first start, prints it once and keeps its hash in the data directory", Value: options.String(&c.password, "")},
		{Name: "output", Usage: "print each good event to stdout: tsv (enriched TSV) or json (flattened JSON); empty for none", Value: options.Enum(&c.output, "", "", "tsv", "json")},
		{Name: "output-tsv", Aliases: []string{"t"}, Usage: "same as --output tsv (Micro's flag)", Value: options.Const(&c.output, "tsv")},
		{Name: "output-json", Aliases: []string{"j"}, Usage: "same as --output json (Micro's flag)", Value: options.Const(&c.output, "json")},
		{Name: "event-log", Usage: "log a GOOD or BAD line per event to stderr, as Micro does", Value: options.Bool(&c.eventLog, true)},
		{Name: "log-format", Usage: "log format: text or json", Value: options.Enum(&c.logFormat, "text", "text", "json")},
		{Name: "log-level", Usage: "log level: debug, info, warn or error", Value: options.Enum(&c.logLevel, "info", "debug", "info", "warn", "error")},
		{Name: "micro-api", Usage: "Micro generation whose reset and 404 texts plowbox mimics: 3 or 4", Value: options.Enum(&c.microAPI, "4", "3", "4")},
		{Name: "micro-bad-rows", Usage: "add the parsed bad rows as a badRows key to /micro/bad entries", Value: options.Bool(&c.badRows, false)},
		{Name: "max-payload-size", Usage: "largest collector payload in bytes; larger ones become size_violation bad rows", Value: options.Int(&c.maxPayloadSize, 1<<20)},
		{Name: "max-json-depth", Usage: "deepest nesting allowed in self-describing JSON", Value: options.Int(&c.maxJSONDepth, 50)},
		{Name: "enrichments", Usage: "directory of Snowplow enrichment configs (*.json) to run, as Enrich and Micro read them", Value: options.String(&c.enrichmentsDir, "")},
		{Name: "exchange-rates-url", Usage: "Open Exchange Rates API of the currency conversion enrichment; point it at a local service serving /historical/YYYY-MM-DD.json when offline", Value: options.String(&c.exchangeRatesURL, enrichments.DefaultExchangeRatesURL)},
		{Name: "memory-limit", Usage: "soft limit of the Go heap (e.g. 256MiB, 1GiB; 0 for none); GOMEMLIMIT wins when set", Value: options.Size(&c.memoryLimit, defaultMemoryLimit)},
		{Name: "no-sync", Usage: "skip fsync on commit (faster, but a power loss can lose acknowledged events)", Value: options.Bool(&c.noSync, false)},

		{Name: "drop-payload-size", Usage: "largest request body in bytes; larger ones get 413 and are not stored", Value: options.Int64(&cc.DropPayloadSize)},
		{Name: "cookie-enabled", Usage: "set the network user id cookie", Value: options.Bool(&cc.Cookie.Enabled, cc.Cookie.Enabled)},
		{Name: "cookie-name", Usage: "name of the network user id cookie", Value: options.String(&cc.Cookie.Name, cc.Cookie.Name)},
		{Name: "cookie-expiration", Usage: "lifetime of the network user id cookie", Value: options.Duration(&cc.Cookie.Expiration, cc.Cookie.Expiration)},
		{Name: "cookie-domains", Usage: "cookie domains matched against the request's Origin hosts (comma-separated)", Value: options.List(&cc.Cookie.Domains)},
		{Name: "cookie-fallback-domain", Usage: "cookie domain when none of --cookie-domains matches", Value: options.String(&cc.Cookie.FallbackDomain, "")},
		{Name: "cookie-secure", Usage: "add Secure to the cookie (always added with SameSite=None)", Value: options.Bool(&cc.Cookie.Secure, cc.Cookie.Secure)},
		{Name: "cookie-http-only", Usage: "add HttpOnly to the cookie", Value: options.Bool(&cc.Cookie.HTTPOnly, cc.Cookie.HTTPOnly)},
		{Name: "cookie-same-site", Usage: "SameSite attribute: None, Lax, Strict, or empty for none", Value: options.Enum(&cc.Cookie.SameSite, cc.Cookie.SameSite, "None", "Lax", "Strict", "")},
		{Name: "client-cookie-name", Usage: "name of a second, script-readable copy of the cookie", Value: options.String(&cc.Cookie.ClientCookieName, "")},
		{Name: "do-not-track-cookie", Usage: "NAME=REGEX: requests with this cookie matching REGEX are answered but not stored", Value: dntValue{&cc.DoNotTrackCookie}},
		{Name: "cookie-bounce", Usage: "bounce pixel requests without a cookie once to detect third-party cookie blocking", Value: options.Bool(&cc.CookieBounce.Enabled, false)},
		{Name: "enable-redirect", Usage: "serve the /r/tp2 click-redirect endpoint", Value: options.Bool(&cc.EnableDefaultRedirect, false)},
		{Name: "redirect-domains", Usage: "hosts the click redirect may send to (comma-separated); empty for any", Value: options.List(&cc.RedirectDomains)},
		{Name: "paths", Usage: "custom path aliases /vendor/version=/com.snowplowanalytics.snowplow/tp2 (or /r/tp2, /com.snowplowanalytics.iglu/v1), comma-separated", Value: options.Pairs(&cc.Paths)},
		{Name: "crossdomain", Usage: "serve /crossdomain.xml", Value: options.Bool(&cc.CrossDomain.Enabled, false)},
		{Name: "cors-max-age", Usage: "Access-Control-Max-Age of CORS preflight answers", Value: options.Duration(&cc.CORS.AccessControlMaxAge, cc.CORS.AccessControlMaxAge)},
		{Name: "hsts-max-age", Usage: "send Strict-Transport-Security with this max-age; 0 for none", Value: hstsValue{&cc.HSTS}},
	}, append(append(igluOptions(&c.iglu), tlsfront.Options(&c.tls)...), append(append(append(append(indexOptions(&c.index), retentionOptions(&c.retention)...), httplimits.Options(&c.tls.Limits)...), plansOptions(&c.plans)...), kafkaOptions(&c.kafka)...)...)...)
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
//
// The shutdown order is decided here. Every resource is closed once, by the defer
// registered right after it opens, so the defers run in reverse order of opening once
// the run group has returned:
//
//  1. stop accepting: the run group's interrupts shut the HTTP and HTTPS servers down,
//     which waits for the requests in flight;
//  2. drain commits: a collector request answers only after its commit, so once the
//     servers are down no commit is pending;
//  3. close the enrichments: nothing enriches any more;
//  4. stop followers and close the search index: its follower (which also deletes the
//     documents of deleted records) stops, then bleve closes;
//  5. close bbolt.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) (err error) {
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
	met := metrics.New(version)
	pruner := index.NewPruner()
	ret, err := storeRetention(cfg.retention, cfg.data, cfg.index.indexDir(cfg.data), pruner, log)
	if err != nil {
		return err
	}
	var fol followers // Kafka sinks and the relay: retention holds what they have not delivered
	ret.Hold = fol.hold
	st, err := store.Open(cfg.data, store.Options{NoSync: cfg.noSync, OnCommit: met.ObserveCommit, Retention: ret, OnDelete: pruner.OnDelete, Logger: log})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()
	ix, err := openIndex(cfg.data, cfg.index, st, ret.MaxBytes, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := ix.Close(); err != nil {
			log.Warn("shutdown: close search index", "err", err)
		}
	}()
	pruner.Start(ix)

	cfg.iglu.snapshot = snapshot.New() // one copy, unpacked on first use, shared by reloads
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
	if auth != nil {
		auth.AllowOrigins(cfg.corsOrigins...)
	}

	loader := controlplane.EnrichmentLoader{AssetsDir: controlplane.AssetsDir(cfg.data), ExchangeRatesURL: cfg.exchangeRatesURL, Validator: validator, Log: log}
	list, warnings, err := loadEnrichments(cfg, loader, log)
	if err != nil {
		return err
	}
	// Until the control plane runs them (and may replace them), the enrichments are
	// closed here; then by the control plane.
	closeEnrichments := func() { enrichments.Close(list) }
	defer func() { closeEnrichments() }()

	ecfg := enrich.Config{
		Version:        version,
		MaxPayloadSize: cfg.maxPayloadSize,
		MaxJSONDepth:   cfg.maxJSONDepth,
		Enrichments:    list,
		Validator:      validator,
	}
	pf, err := setupPlans(cfg.plans, st, ix, log)
	if err != nil {
		return err
	}
	pipe := pipeline.New(enrich.New(ecfg), st, pipeline.Options{
		Process:    pf.process,             // test runs
		Check:      pf.lib.Checker().Apply, // tracking-plan verdicts, of replays too
		Output:     cfg.output,
		EventLog:   cfg.eventLog,
		Stdout:     stdout,
		Stderr:     stderr,
		OnEnriched: met.ObserveResult,
		// track-and-wait learns which records its request produced.
		OnWritten: func(ctx context.Context, w pipeline.Written) { queryapi.NoteWritten(ctx, w.First, w.Records()) },
	})
	control, err := controlplane.New(controlplane.Config{
		Version:           version,
		DataDir:           cfg.data,
		EnrichmentsDir:    enrichmentsDirOf(cfg),
		SuperKeyFile:      superKeyFile,
		BuiltinRepository: builtinRepoName,
		ConfiguredRepositories: func() ([]iglu.Repository, error) {
			fresh, _, err := buildIglu(cfg.iglu, st, log, lookupEnv)
			if err != nil {
				return nil, err
			}
			return fresh.Repositories(""), nil
		},
		RegistryTimeout: cfg.iglu.timeout,
		IgluOffline:     cfg.iglu.offline,
		Store:           st,
		Log:             log,
		Pipeline:        pipe,
		Resolver:        resolver,
		Validator:       validator,
		Enrich:          ecfg,
		Enrichments:     list,
		Warnings:        warnings,
		SuperKey:        superKey,
		Loader:          loader,
	})
	if err != nil {
		return err
	}
	closeEnrichments = func() {
		if err := control.Close(); err != nil {
			log.Warn("shutdown: close enrichments", "err", err)
		}
	}
	control.WatchIndex(ix)
	if err := fol.start(cfg, st, met.Registry(), control, log); err != nil {
		return err
	}
	defer fol.stopFollowers() // before the store closes
	coll := collector.New(cfg.collector, pipe, log)
	met.WatchStore(st, log)
	registerRetentionMetrics(met.Registry(), st)
	met.WatchCollector(coll)
	met.WatchIndex(ix)
	front, err := tlsfront.New(cfg.tls, cfg.data, version, lookupEnv, stderr, log)
	if err != nil {
		return err
	}
	handler := web.New(web.Config{
		Collector: pf.wrapCollector(coll),
		Mounts:    pf.mounts(),
		Store:     st,
		Auth:      auth,
		MicroAPI:  map[string]int{"3": 3, "4": 4}[cfg.microAPI],
		BadRows:   cfg.badRows,
		Iglu:      control.IgluOptions(igluWebOptions(st, resolver, validator, superKey)),
		Control:   &controlapi.Options{Plane: control, TLS: front, Users: users, Version: version, EnrichmentsDir: control.EnrichmentsDir()},
		Logger:    log,
		Metrics:   met.Registry(),
		UI:        fol.explorer(uiOptions(st, ix, log)),
		Replay:    &queryapi.ReplayOptions{Store: st, Reprocessor: pipe.Reprocessor},
		Index:     ix,
	})

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	srv := cfg.tls.Limits.Apply(&http.Server{
		Handler:     framing.Guard(front.Wrap(handler, false)), // Content-Length with Transfer-Encoding: 400
		ConnContext: framing.ConnContext,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	})
	httpsErrs := make(chan error, 1)
	if err := front.Start(handler, httpsErrs); err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stderr, "plowbox %s started at %s\n", version, listenURL(ln.Addr()))

	// The subsystems run side by side; when one returns, all are interrupted.
	shutdownCtx, cancelShutdown := context.WithCancel(context.Background())
	defer cancelShutdown()
	shutdown := func(stop func(context.Context) error) {
		c, cancel := context.WithTimeout(shutdownCtx, 10*time.Second)
		defer cancel()
		if err := stop(c); err != nil {
			log.Warn("shutdown", "err", err)
		}
	}
	var g oklogrun.Group
	g.Add(func() error { // the signal that ends plowbox serve
		<-ctx.Done()
		log.Info("shutting down")
		return nil
	}, func(error) {})
	stopped := make(chan struct{})
	g.Add(func() error { // the HTTP server: the collector, the APIs and the UI
		if err := srv.Serve(framing.Listen(ln)); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		<-stopped
		return nil
	}, func(error) {
		shutdown(srv.Shutdown)
		close(stopped)
	})
	httpsDone := make(chan struct{})
	g.Add(func() error { // the HTTPS listener, which the control plane may open at run time
		select {
		case err := <-httpsErrs:
			return fmt.Errorf("serve: %w", err)
		case <-httpsDone:
			return nil
		}
	}, func(error) {
		shutdown(front.Shutdown)
		close(httpsDone)
	})
	return g.Run()
}

// loadEnrichments reads the enrichment configs at start: --enrichments, which must load,
// or else the uploads of earlier runs in the data directory, if any. A broken config
// stops plowbox rather than leaving it half-configured; the warnings name the configs
// left out, and why.
func loadEnrichments(cfg serveConfig, loader controlplane.EnrichmentLoader, log *slog.Logger) ([]enrich.Enrichment, []string, error) {
	if cfg.enrichmentsDir == "" {
		return loader.LoadIfExists(enrichmentsDirOf(cfg))
	}
	list, warnings, err := loader.Load(cfg.enrichmentsDir, cfg.enrichmentsDir)
	if err != nil {
		return nil, nil, fmt.Errorf("enrichments: %w", err)
	}
	log.Info("enrichments loaded", "dir", cfg.enrichmentsDir, "count", len(list))
	return list, warnings, nil
}

// enrichmentsDirDefault is where uploaded enrichment configs go when --enrichments is not
// set; plowbox serve reads it at start when it exists.
const enrichmentsDirDefault = "enrichments"

// enrichmentsDirOf is --enrichments, or the data directory's enrichments directory.
func enrichmentsDirOf(cfg serveConfig) string {
	if cfg.enrichmentsDir != "" {
		return cfg.enrichmentsDir
	}
	return filepath.Join(cfg.data, enrichmentsDirDefault)
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
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	// A full disk fails every request: one line per message every 10 s, not two per request.
	return slog.New(logthrottle.New(h, 10*time.Second))
}
