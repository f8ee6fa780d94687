package auth

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/plowbox/plowbox/internal/users"
)

// The access policy of plowbox's routes under --auth basic: viewers read, admins also
// reset, write schemas, profile, replay and use the control plane. The collector
// and /health never reach the router; everything the router serves needs a signed-in
// user unless it is listed in publicRoutes, and the admin role when requiredRole says so.

// publicRoutes are the router paths open to everyone: the login form, the registry's
// health checks and the explorer's static assets (needed by the login page).
var publicRoutes = []string{
	LoginPath, LogoutPath,
	"/api/meta/health", "/api/meta/health/db",
	"/iglu-server/api/meta/health", "/iglu-server/api/meta/health/db",
}

// publicPrefixes are path prefixes open to everyone.
var publicPrefixes = []string{"/micro/ui/static/"}

// adminPrefixes need the admin role for every method.
var adminPrefixes = []string{
	"/control-plane", "/plowbox/debug", "/plowbox/api/users", "/plowbox/api/replay",
	"/micro/ui/admin", "/micro/reset",
}

// isPublic reports whether path is open without credentials.
func isPublic(method, path string) bool {
	for _, p := range publicRoutes {
		if path == p {
			return true
		}
	}
	for _, p := range publicPrefixes {
		if strings.HasPrefix(path, p) {
			return method == http.MethodGet || method == http.MethodHead
		}
	}
	return false
}

// isIgluAPI reports whether path belongs to the registry API, /api or /iglu-server/api.
func isIgluAPI(path string) bool {
	return underPrefix(path, "/api") || underPrefix(path, "/iglu-server/api")
}

func underPrefix(path, p string) bool {
	return strings.HasPrefix(path, p) && (len(path) == len(p) || path[len(p)] == '/')
}

// requiredRole is the role a signed-in user needs for method and path: admin for the
// control plane, user management, profiles, replay, reset and registry writes; viewer
// (any user) for everything else.
func requiredRole(method, path string) users.Role {
	for _, p := range adminPrefixes {
		if underPrefix(path, p) {
			return users.RoleAdmin
		}
	}
	if isIgluAPI(path) {
		rest := strings.TrimPrefix(strings.TrimPrefix(path, "/iglu-server"), "/api")
		switch {
		case method == http.MethodPut || method == http.MethodDelete || method == http.MethodPatch:
			return users.RoleAdmin
		case method == http.MethodPost && (rest == "/schemas" || rest == "/schemas/"):
			return users.RoleAdmin
		case underPrefix(rest, "/auth"):
			return users.RoleAdmin
		}
	}
	return users.RoleViewer
}

// CrossSite reports whether a browser sent req from another site: Sec-Fetch-Site says
// so, or the Origin (or, without one, the Referer) names another host.
func CrossSite(req *http.Request) bool {
	switch req.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	case "same-origin", "none":
		return false
	}
	src := req.Header.Get("Origin")
	if src == "" {
		src = req.Header.Get("Referer")
	}
	if src == "" {
		return false // not a browser, or an old one: scripts and CI
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" {
		return true
	}
	return !strings.EqualFold(u.Host, req.Host)
}
