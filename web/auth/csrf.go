package auth

import (
	"crypto/subtle"

	"github.com/gin-gonic/gin"
)

// CSRF protection: a browser signed in with the login cookie must send its session's
// synchronizer token with every write, as the form field "csrf" or the header
// X-CSRF-Token. Pages get the token from SessionInfo and put it in their forms (and in
// the page shell's csrf-token meta tag for scripts). Requests authenticated with basic
// credentials or an API token carry no ambient authority and need no token; cross-site
// writes are refused whatever the credentials (see CrossSite).

// CSRFField is the form field that carries the CSRF token.
const CSRFField = "csrf"

// CSRFHeader is the header that carries the CSRF token for scripts.
const CSRFHeader = "X-CSRF-Token"

// csrfOK reports whether c carries want as its CSRF token.
func csrfOK(c *gin.Context, want string) bool {
	got := c.GetHeader(CSRFHeader)
	if got == "" {
		got = c.PostForm(CSRFField)
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
