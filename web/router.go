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
	Auth *BasicAuth
	// MicroAPI is the Micro generation (3 or 4) whose response texts plowbox mimics.
	MicroAPI int
	// BadRows adds the structured badRows key to Micro BadEvents.
	BadRows bool
	// Logger receives request errors.
	Logger *slog.Logger
	// Iglu mounts the schema registry API and /micro/iglu; nil leaves them out.
	Iglu *IgluOptions
}

// reservedPrefixes are the paths that never reach the tracking routes (collector.md §2):
// without them, GET /micro/good would be recorded as a vendor/version event.
var reservedPrefixes = []string{"/micro", "/plowbox", "/home", "/iglu-server", "/control-plane", "/metrics", "/api"}

// reservedStems are reserved as bare prefixes: /kibana, /kibana-foo, /kibana/x, …
var reservedStems = []string{"/kibana", "/elasticsearch", "/swagger"}

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
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = false
	r.ContextWithFallback = true
	r.Use(recovery(o.Logger))

	m := &micro{store: o.Store, generation: o.MicroAPI, badRows: o.BadRows}
	mg := r.Group("/micro", microCORS)
	if o.Auth != nil {
		mg.Use(o.Auth.middleware)
	}
	m.routes(mg)
	if o.Iglu != nil {
		mountIglu(r, mg, *o.Iglu, o.Auth)
	}

	debug := r.Group("/plowbox/debug/pprof")
	if o.Auth != nil {
		debug.Use(o.Auth.middleware)
	}
	debug.GET("/*profile", gin.WrapF(pprofHandler))

	r.NoRoute(func(c *gin.Context) {
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

	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if reserved(req.URL.Path) {
			r.ServeHTTP(w, req)
			return
		}
		o.Collector.ServeHTTP(w, req)
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
