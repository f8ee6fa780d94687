// Package web is plowbox's HTTP front. It sends tracker traffic to the collector and
// mounts one package per surface of plowbox's own routes, behind one middleware chain
// (request log and id, metrics, panic recovery, authentication):
//
//   - micro: the Snowplow Micro API under /micro, legacy and 4.x UI endpoints;
//   - queryapi: plowbox's query API under /plowbox/api (search, wait, tail, records,
//     track-and-wait, replay);
//   - igluapi: the built-in registry as an Iglu Server subset under /api;
//   - controlplane: Snowplow Mini's control plane and the admin page;
//   - explorer: the web explorer under /micro/ui/;
//   - auth: sign-in, roles, CSRF, and the users and tokens API.
package web

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plowbox/plowbox/web/auth"
	"github.com/plowbox/plowbox/web/controlplane"
	"github.com/plowbox/plowbox/web/elasticsearch"
	"github.com/plowbox/plowbox/web/explorer"
	"github.com/plowbox/plowbox/web/httpkit"
	"github.com/plowbox/plowbox/web/igluapi"
	"github.com/plowbox/plowbox/web/micro"
	"github.com/plowbox/plowbox/web/queryapi"
	"github.com/plowbox/plowbox/web/search"
)

// Config configures the router.
type Config struct {
	// Collector serves every path that is not reserved for plowbox itself.
	Collector http.Handler
	// Store is read by the Micro API and the query API.
	Store search.Store
	// Auth protects every non-collector route; nil opens everything (--auth none).
	Auth *auth.Auth
	// MicroAPI is the Micro generation (3 or 4) whose response texts plowbox mimics.
	MicroAPI int
	// BadRows adds the structured badRows key to Micro BadEvents.
	BadRows bool
	// Logger receives request errors.
	Logger *slog.Logger
	// Iglu mounts the schema registry API and /micro/iglu; nil leaves them out.
	Iglu *igluapi.Options
	// Control mounts Snowplow Mini's control plane under /control-plane; nil leaves it out.
	Control *controlplane.Options
	// Metrics, when set, gets the HTTP request metrics and is served at /metrics (behind
	// auth); nil leaves both out.
	Metrics *prometheus.Registry
	// Index answers the Micro 4.x UI endpoints and the /plowbox/api queries; without it
	// they answer 503.
	Index search.Index
	// UI mounts the explorer under /micro/ui/ (and redirects Mini's /home and /kibana
	// there); nil leaves it out.
	UI *explorer.Options
	// OnWait, when set, is called each time a /plowbox/api/wait or /tail request blocks
	// for new records: tests synchronise on it instead of sleeping.
	OnWait func()
	// Replay mounts POST /plowbox/api/replay and /control-plane/replay; nil leaves them
	// out.
	Replay *queryapi.ReplayOptions
	// Mounts add the routes of other packages (web/plansapi) to the engine, behind the
	// same authentication, after plowbox's own routes.
	Mounts []func(r *gin.Engine)
}

// Reserved reports whether path is served by plowbox's own routes rather than by the
// collector; the HTTPS redirect applies to those paths only.
func Reserved(path string) bool { return httpkit.Reserved(path) }

// Router is plowbox's HTTP handler: its own routes, and the collector for every other
// path.
type Router struct {
	engine *gin.Engine
	http.Handler
}

// Routes lists plowbox's own routes (the auth policy test walks them).
func (r *Router) Routes() gin.RoutesInfo { return r.engine.Routes() }

// New returns plowbox's HTTP handler.
func New(cfg Config) *Router {
	e, h := newRouter(cfg)
	return &Router{engine: e, Handler: h}
}

// newRouter returns the gin engine of plowbox's own routes and the handler that sends
// everything else to the collector.
func newRouter(cfg Config) (*gin.Engine, http.Handler) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = false
	r.ContextWithFallback = true
	r.Use(httpkit.RequestLog(cfg.Logger))
	collectorHandler := cfg.Collector
	var metrics *httpkit.Metrics
	if cfg.Metrics != nil {
		metrics = httpkit.NewMetrics(cfg.Metrics)
		r.Use(metrics.Middleware)
		collectorHandler = metrics.WrapCollector(cfg.Collector)
	}
	r.Use(httpkit.Recovery(cfg.Logger))
	r.Use(elasticsearch.InspectorCredentials) // before the guard: Snowplow Inspector's prefix-less basic credentials, on /elasticsearch only

	// require is the authentication every surface's routes need; nil under --auth none.
	var require gin.HandlerFunc
	if cfg.Auth != nil {
		r.Use(cfg.Auth.Guard) // every route below needs a user unless the policy says otherwise
		cfg.Auth.MountLogin(r)
		cfg.Auth.MountUsersAPI(r)
		require = cfg.Auth.Require
	}
	behind := func(h ...gin.HandlerFunc) []gin.HandlerFunc {
		if require == nil {
			return h
		}
		return append([]gin.HandlerFunc{require}, h...)
	}

	if cfg.Control != nil {
		controlplane.Mount(r, *cfg.Control)
	}
	searcher := search.New(cfg.Index, cfg.Store, cfg.Logger)
	cors := httpkit.MicroCORS // Micro's open CORS under --auth none
	if cfg.Auth != nil {
		cors = cfg.Auth.MicroCORS // credentials for the --cors-origins only
	}
	mg := r.Group("/micro", cors)
	if require != nil {
		mg.Use(require)
	}
	mi := micro.Mount(mg, micro.Options{Store: cfg.Store, Searcher: searcher, Generation: cfg.MicroAPI, BadRows: cfg.BadRows})
	queryapi.Mount(r.Group("/plowbox/api", behind()...), queryapi.Options{Store: cfg.Store, Searcher: searcher, Collector: cfg.Collector, OnWait: cfg.OnWait})
	if cfg.Replay != nil {
		api, cp := queryapi.ReplayHandlers(*cfg.Replay, searcher)
		r.POST("/plowbox/api/replay", behind(api)...)
		r.Any("/control-plane/replay", behind(cp)...)
	}
	if cfg.UI != nil {
		explorer.Mount(mg, *cfg.UI)
	}
	elasticsearch.Mount(r.Group("", behind()...), elasticsearch.Options{Searcher: searcher, Store: cfg.Store, Logger: cfg.Logger})
	if cfg.Iglu != nil {
		igluapi.Mount(r, mg, *cfg.Iglu, require)
	}
	r.GET("/plowbox/debug/pprof/*profile", behind(func(c *gin.Context) {
		httpkit.LateAnswer(c, 0) // ?seconds= may ask for more than the write timeout
		pprofHandler(c.Writer, c.Request)
	})...)
	if metrics != nil {
		r.GET("/metrics", behind(gin.WrapH(metrics.Handler()))...)
	}

	for _, mount := range cfg.Mounts {
		mount(r)
	}

	r.NoRoute(func(c *gin.Context) {
		if cfg.UI != nil && explorer.LegacyRedirect(c) {
			return
		}
		if strings.HasPrefix(c.Request.URL.Path, "/micro") {
			cors(c)
			if c.IsAborted() {
				return
			}
		}
		if require != nil {
			require(c)
			if c.IsAborted() {
				return
			}
		}
		if strings.HasPrefix(c.Request.URL.Path, "/micro") {
			mi.NotFound(c)
			return
		}
		c.String(http.StatusNotFound, "404 page not found")
	})

	return r, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if httpkit.Reserved(req.URL.Path) {
			r.ServeHTTP(w, req)
			return
		}
		auth.StripCredentials(req)
		collectorHandler.ServeHTTP(w, req)
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
