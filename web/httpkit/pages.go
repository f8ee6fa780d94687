package httpkit

import "github.com/gin-gonic/gin"

// contentSecurityPolicy keeps plowbox's pages to their own scripts and styles: no
// inline script can run, whatever an event contains.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// PageHeaders sets the security headers of plowbox's HTML pages.
func PageHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}
