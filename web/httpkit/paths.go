package httpkit

import "strings"

// reservedPrefixes are the paths that never reach the tracking routes: without them,
// GET /micro/good would be recorded as a vendor/version event.
var reservedPrefixes = []string{"/micro", "/plowbox", "/home", "/iglu-server", "/control-plane", "/metrics", "/api"}

// reservedStems are reserved as bare prefixes: /kibana, /kibana-foo, /kibana/x, …
var reservedStems = []string{"/kibana", "/elasticsearch", "/swagger"}

// Reserved reports whether path is served by plowbox's own routes rather than by the
// collector.
func Reserved(path string) bool {
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
