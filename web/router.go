// Package web is plowbox's HTTP front: it sends tracker traffic to the collector and
// serves the Snowplow Micro API, the Iglu API, the control plane and the explorer UI, with
// authentication on everything but the collector.
package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strings"

	"github.com/gin-gonic/gin"
)

// Options configures the router.
type Options struct {
	// Collector serves every path that is not reserved for plowbox itself.
	Collector http.Handler
	// Store is read by the Micro API.
	Store Store
	// Auth protects every non-collector route; nil opens everything (--auth none).
	Auth *Auth
	// MicroAPI is the Micro generation (3 or 4) whose response texts plowbox mimics.
	MicroAPI int
	// BadRows adds the structured badRows key to Micro BadEvents.
	BadRows bool
	// Logger receives request errors.
	Logger *slog.Logger
	// Iglu mounts the schema registry API and /micro/iglu; nil leaves them out.
	Iglu *IgluOptions
	// Control mounts Snowplow Mini's control plane under /control-plane; nil leaves it out.
	Control *ControlOptions
	// Metrics counts requests and serves /metrics (behind auth); nil leaves both out.
	Metrics *Metrics
	// Index answers the Micro 4.x UI endpoints and the /plowbox/api queries; without it
	// they answer 503.
	Index Index
	// UI mounts the explorer under /micro/ui/ (and redirects Mini's /home and /kibana
	// there); nil leaves it out.
	UI *UIOptions
	// Replay mounts POST /plowbox/api/replay and /control-plane/replay (web/replay.go);
	// nil leaves them out.
	Replay *ReplayOptions
	// Mounts add the routes of other packages (web/plansapi) to the engine, behind the
	// same authentication, after plowbox's own routes.
	Mounts []func(r *gin.Engine)
}

// reservedPrefixes are the paths that never reach the tracking routes (collector.md §2):
// without them, GET /micro/good would be recorded as a vendor/version event.
var reservedPrefixes = []string{"/micro", "/plowbox", "/home", "/iglu-server", "/control-plane", "/metrics", "/api"}

// reservedStems are reserved as bare prefixes: /kibana, /kibana-foo, /kibana/x, …
var reservedStems = []string{"/kibana", "/elasticsearch", "/swagger"}

// Reserved reports whether path is served by plowbox's own routes rather than by the
// collector; the HTTPS redirect applies to those paths only.
func Reserved(path string) bool { return reserved(path) }

// reserved reports whether path belongs to plowbox rather than to the collector.
func reserved(path string) bool {
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(path, p) && (len(path) == len(p) || path[len(p)] == '/') {
			return true
		}
	}
	for _, p := range reservedStems {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// New returns plowbox's HTTP handler.
func New(o Options) http.Handler {
	_, h := newRouter(o)
	return h
}

// newRouter returns the gin engine of plowbox's own routes (tests walk its routes) and
// the handler that sends everything else to the collector.
func newRouter(o Options) (*gin.Engine, http.Handler) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = false
	r.ContextWithFallback = true
	r.Use(requestLog(o.Logger))
	collectorHandler := o.Collector
	if o.Metrics != nil {
		r.Use(o.Metrics.ginMiddleware)
		collectorHandler = o.Metrics.wrapCollector(o.Collector)
	}
	r.Use(recovery(o.Logger))
	if o.Auth != nil {
		r.Use(o.Auth.guard) // every route below needs a user unless the policy says otherwise
		o.Auth.mountLogin(r)
		o.Auth.mountUsersAPI(r)
	}
	if o.Control != nil {
		mountControl(r, *o.Control)
	}

	m := &micro{store: o.Store, generation: o.MicroAPI, badRows: o.BadRows}
	mg := r.Group("/micro", microCORS)
	if o.Auth != nil {
		mg.Use(o.Auth.middleware)
	}
	m.routes(mg)
	mountQueryAPI(r, mg, o)
	mountReplay(r, o)
	if o.UI != nil {
		mountUI(mg, *o.UI)
	}
	if o.Iglu != nil {
		mountIglu(r, mg, *o.Iglu, o.Auth)
	}

	debug := r.Group("/plowbox/debug/pprof")
	if o.Auth != nil {
		debug.Use(o.Auth.middleware)
	}
	debug.GET("/*profile", gin.WrapF(pprofHandler))

	if o.Metrics != nil {
		metrics := r.Group("/metrics")
		if o.Auth != nil {
			metrics.Use(o.Auth.middleware)
		}
		metrics.GET("", gin.WrapH(o.Metrics.handler))
	}

	for _, mount := range o.Mounts {
		mount(r)
	}

	r.NoRoute(func(c *gin.Context) {
		if o.UI != nil && legacyUIRedirect(c) {
			return
		}
		if strings.HasPrefix(c.Request.URL.Path, "/micro") {
			microCORS(c)
			if c.IsAborted() {
				return
			}
			if o.Auth != nil {
				o.Auth.middleware(c)
				if c.IsAborted() {
					return
				}
			}
			m.notFound(c)
			return
		}
		if o.Auth != nil {
			o.Auth.middleware(c)
			if c.IsAborted() {
				return
			}
		}
		c.String(http.StatusNotFound, "404 page not found")
	})

	return r, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if reserved(req.URL.Path) {
			r.ServeHTTP(w, req)
			return
		}
		stripCredentials(req)
		collectorHandler.ServeHTTP(w, req)
	})
}

// microCORS adds the CORS headers of Micro 1.x to /micro/* (micro-api.md §1), so that
// browser pages can query plowbox, and answers preflights before authentication.
func microCORS(c *gin.Context) {
	origin := c.GetHeader("Origin")
	if origin == "" || origin == "null" {
		origin = "*"
	}
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
	if origin != "*" {
		h.Add("Vary", "Origin")
	}
	if c.Request.Method == http.MethodOptions {
		c.AbortWithStatus(http.StatusOK)
	}
}

// recovery turns a panic in a handler into a logged 500 instead of a dropped connection.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, err any) {
		log.Error("panic in handler", "path", c.Request.URL.Path, "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
	})
}

// pprofHandler serves Go's runtime profiles under /plowbox/debug/pprof/.
func pprofHandler(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/plowbox/debug/pprof/")
	switch name {
	case "", "/":
		pprof.Index(w, r)
	case "cmdline":
		pprof.Cmdline(w, r)
	case "profile":
		pprof.Profile(w, r)
	case "symbol":
		pprof.Symbol(w, r)
	case "trace":
		pprof.Trace(w, r)
	default:
		pprof.Handler(name).ServeHTTP(w, r)
	}
}
