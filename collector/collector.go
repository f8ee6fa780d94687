package collector

import (
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// HealthChecker is implemented by sinks that can tell whether they accept writes;
// /sink-health answers 503 while Healthy returns an error. A sink without it is healthy.
type HealthChecker interface {
	Healthy() error
}

// Stats counts what a Collector did with the tracking requests it received.
type Stats struct {
	Stored     uint64 // payloads the sink committed
	Oversized  uint64 // requests refused with 413, not stored
	SinkErrors uint64 // payloads the sink failed to commit (503)
}

// Collector is the tracker-facing HTTP handler. It handles every path it is given:
// health routes, CORS preflight on any path, the tracking routes (/i, /ice.png,
// /{vendor}/{version}, click redirects), /, /crossdomain.xml, /robots.txt, and 404 for the
// rest. The caller must route reserved prefixes (/micro, /plowbox, /iglu-server, …)
// elsewhere first: any two-segment path reaching the Collector is recorded as an event.
// HEAD is accepted wherever GET is.
type Collector struct {
	cfg        Config
	sink       Sink
	log        *slog.Logger
	dnt        *regexp.Regexp // nil when the do-not-track cookie is off or invalid
	maxAge     string         // Access-Control-Max-Age value
	hsts       string         // Strict-Transport-Security value, "" when off
	crossXML   string         // /crossdomain.xml body
	stored     atomic.Uint64
	oversized  atomic.Uint64
	sinkErrors atomic.Uint64
}

// New returns a Collector that hands payloads to sink. cfg should have passed Validate;
// an invalid do-not-track regex is logged and disables do-not-track.
func New(cfg Config, sink Sink, log *slog.Logger) *Collector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = newUUID
	}
	if cfg.DropPayloadSize <= 0 {
		cfg.DropPayloadSize = DefaultConfig().DropPayloadSize
	}
	c := &Collector{
		cfg:      cfg,
		sink:     sink,
		log:      log,
		maxAge:   strconv.FormatInt(int64(cfg.CORS.AccessControlMaxAge/time.Second), 10),
		crossXML: crossDomainXML(cfg.CrossDomain),
	}
	if cfg.HSTS.Enable {
		c.hsts = "max-age=" + strconv.FormatInt(int64(cfg.HSTS.MaxAge/time.Second), 10)
	}
	if cfg.DoNotTrackCookie.Enabled {
		re, err := regexp.Compile(`^(?:` + cfg.DoNotTrackCookie.Value + `)$`)
		if err != nil {
			log.Error("do-not-track cookie disabled: invalid value regex", "value", cfg.DoNotTrackCookie.Value, "err", err)
		} else {
			c.dnt = re
		}
	}
	return c
}

// Stats returns the collector's counters.
func (c *Collector) Stats() Stats {
	return Stats{Stored: c.stored.Load(), Oversized: c.oversized.Load(), SinkErrors: c.sinkErrors.Load()}
}

// ServeHTTP answers one request following the route order of collector.md §2.
func (c *Collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.hsts != "" {
		w.Header().Set("Strict-Transport-Security", c.hsts)
	}
	path := r.URL.EscapedPath()
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case get && path == "/health":
		writeText(w, http.StatusOK, "ok")
		return
	case get && path == "/sink-health":
		c.sinkHealth(w)
		return
	case r.Method == http.MethodOptions:
		c.preflight(w, r)
		return
	case strings.HasPrefix(path, "/r/") && !c.cfg.EnableDefaultRedirect:
		writeText(w, http.StatusNotFound, "redirects disabled")
		return
	case get && (path == "/i" || path == "/ice.png"):
		c.track(w, r, path)
		return
	}
	if _, _, ok := twoSegments(path); ok && (get || r.Method == http.MethodPost) {
		if to, ok := c.cfg.Paths[path]; ok {
			path = to
		}
		c.track(w, r, path)
		return
	}
	switch {
	case get && path == "/" && c.cfg.RootResponse.Enabled:
		c.root(w)
	case get && path == "/crossdomain.xml" && c.cfg.CrossDomain.Enabled:
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(c.crossXML))
	case get && path == "/robots.txt":
		writeText(w, http.StatusOK, robotsTxt)
	default:
		writeText(w, http.StatusNotFound, "Not found")
	}
}

// sinkHealth answers /sink-health from the sink's HealthChecker.
func (c *Collector) sinkHealth(w http.ResponseWriter) {
	if hc, ok := c.sink.(HealthChecker); ok {
		if err := hc.Healthy(); err != nil {
			c.log.Warn("sink unhealthy", "err", err)
			writeText(w, http.StatusServiceUnavailable, "Service Unavailable")
			return
		}
	}
	writeText(w, http.StatusOK, "ok")
}

// preflight answers a CORS preflight (§5.2).
func (c *Collector) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	addCORS(h, parseOrigins(r.Header))
	h.Set("Access-Control-Allow-Headers", "Content-Type, SP-Anonymous")
	h.Set("Access-Control-Max-Age", c.maxAge)
	w.WriteHeader(http.StatusOK)
}

// root answers GET / with the configured root response.
func (c *Collector) root(w http.ResponseWriter) {
	rr := c.cfg.RootResponse
	for k, v := range rr.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rr.StatusCode)
	if rr.Body != "" {
		_, _ = w.Write([]byte(rr.Body))
	}
}
