package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// AllowOrigins lists the browser origins (scheme://host[:port]) that may read /micro/*
// with the user's credentials: they get Micro's credentialed CORS answer. Every other
// origin gets Access-Control-Allow-Origin: * without credentials, so a page elsewhere
// cannot read events with a signed-in user's cookie.
func (a *Auth) AllowOrigins(origins ...string) {
	for _, o := range origins {
		if o = normalOrigin(o); o != "" {
			a.origins = append(a.origins, o)
		}
	}
}

func normalOrigin(o string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
}

// microCORS adds the CORS headers of Micro to /micro/* (micro-api.md), so that browser
// pages can query plowbox, and answers preflights before authentication. Micro echoes
// any Origin with Access-Control-Allow-Credentials: true; plowbox does so under --auth
// none (a nil Auth), and under --auth basic only for the origins of AllowOrigins.
func (a *Auth) microCORS(c *gin.Context) {
	origin := c.GetHeader("Origin")
	if origin == "" || origin == "null" {
		origin = "*"
	}
	h := c.Writer.Header()
	credentialed := origin != "*" && (a == nil || slices.Contains(a.origins, normalOrigin(origin)))
	if origin != "*" || a != nil {
		h.Add("Vary", "Origin")
	}
	if credentialed {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	} else {
		h.Set("Access-Control-Allow-Origin", "*")
		if a == nil {
			h.Set("Access-Control-Allow-Credentials", "true") // Micro's answer without an Origin
		}
	}
	h.Set("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
	if c.Request.Method == http.MethodOptions {
		c.AbortWithStatus(http.StatusOK)
	}
}
