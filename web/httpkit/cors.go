package httpkit

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// MicroCORS adds the CORS headers Micro sends on /micro/*, so that browser pages on any
// origin can query plowbox with credentials, and answers preflights before
// authentication: the request's Origin is echoed (or * without one) with
// Access-Control-Allow-Credentials: true, methods POST, GET, OPTIONS and headers
// Content-Type, Authorization.
func MicroCORS(c *gin.Context) {
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
