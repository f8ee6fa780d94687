package httpkit

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// MicroCORS adds the CORS headers Micro sends on /micro/*, so that browser pages on any
// origin can query plowbox with credentials, and answers preflights before
// authentication: the request's Origin is echoed (or * without one) with
// Access-Control-Allow-Credentials: true, methods POST, GET, OPTIONS and headers
// Content-Type, Authorization. It is the answer under --auth none.
func MicroCORS(c *gin.Context) { microCORS(c, nil) }

// RestrictedMicroCORS is MicroCORS under --auth basic: only the listed origins
// (scheme://host[:port]) get the credentialed answer; every other origin gets
// Access-Control-Allow-Origin: * without credentials, so that a page elsewhere cannot
// read events with a signed-in user's cookie.
func RestrictedMicroCORS(origins []string) gin.HandlerFunc {
	allowed := map[string]bool{}
	for _, o := range origins {
		if o = normalOrigin(o); o != "" {
			allowed[o] = true
		}
	}
	return func(c *gin.Context) { microCORS(c, allowed) }
}

func normalOrigin(o string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
}

// microCORS answers with Micro's headers; allowed lists the origins that get credentials,
// nil meaning all of them.
func microCORS(c *gin.Context, allowed map[string]bool) {
	origin := c.GetHeader("Origin")
	if origin == "" || origin == "null" {
		origin = "*"
	}
	h := c.Writer.Header()
	if origin != "*" || allowed != nil {
		h.Add("Vary", "Origin")
	}
	switch {
	case origin != "*" && (allowed == nil || allowed[normalOrigin(origin)]):
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	case allowed == nil:
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Credentials", "true") // Micro's answer without an Origin
	default:
		h.Set("Access-Control-Allow-Origin", "*")
	}
	h.Set("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
	if c.Request.Method == http.MethodOptions {
		c.AbortWithStatus(http.StatusOK)
	}
}
