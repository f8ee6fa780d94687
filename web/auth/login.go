package auth

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"github.com/plowbox/plowbox/internal/users"
	"github.com/plowbox/plowbox/ui"
)

// MountLogin adds the login form, its action, sign-out and GET /plowbox/api/me.
func (a *Auth) MountLogin(r *gin.Engine) {
	r.GET(LoginPath, a.loginForm)
	r.POST(LoginPath, a.login)
	r.POST(LogoutPath, a.logout)
	r.GET("/plowbox/api/me", a.me)
}

// RenderPage renders a templ component with the request's context.
func RenderPage(c *gin.Context, status int, page templ.Component) {
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := page.Render(c.Request.Context(), c.Writer); err != nil {
		c.Error(err)
	}
}

// safeNext returns next when it is a path on this server, the explorer otherwise: the
// login form must not become an open redirect.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ui.Base + "/"
	}
	return next
}

func (a *Auth) loginForm(c *gin.Context) {
	RenderPage(c, http.StatusOK, ui.Login(ui.Shell{Title: "Sign in"}, ui.LoginData{Action: LoginPath, Next: safeNext(c.Query("next"))}))
}

// login answers the login form: a session cookie and a redirect to next, or the form
// again with the reason (401 wrong credentials, 429 throttled, 403 cross-site).
func (a *Auth) login(c *gin.Context) {
	name, password, next := c.PostForm("user"), c.PostForm("password"), safeNext(c.PostForm("next"))
	again := func(status int, msg string) {
		RenderPage(c, status, ui.Login(ui.Shell{Title: "Sign in"}, ui.LoginData{Action: LoginPath, Next: next, User: name, Error: msg}))
	}
	if CrossSite(c.Request) {
		again(http.StatusForbidden, "Sign-in from another site was refused.")
		return
	}
	usr, err := a.checkPassword(name, password, c.RemoteIP())
	var ae *authError
	if errors.As(err, &ae) {
		if ae.retryAfter > 0 {
			c.Header("Retry-After", strconv.Itoa(int(roundUp(ae.retryAfter).Seconds())))
		}
		again(ae.status, ae.msg)
		return
	}
	id, _, err := a.users.NewSession(usr.Name)
	if err != nil {
		c.Error(err)
		again(http.StatusInternalServerError, "Could not sign in: "+err.Error())
		return
	}
	a.setCookie(c, id, int(users.SessionTTL.Seconds()))
	c.Redirect(http.StatusSeeOther, next)
}

// setCookie sets (maxAge > 0) or clears (maxAge < 0) the login cookie: HttpOnly,
// SameSite=Lax, Secure when the request came over HTTPS.
func (a *Auth) setCookie(c *gin.Context, value string, maxAge int) {
	secure := c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https")
	http.SetCookie(c.Writer, &http.Cookie{
		Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

// logout ends the session of the cookie (which must come with its CSRF token) and
// sends the browser to the login form.
func (a *Auth) logout(c *gin.Context) {
	if CrossSite(c.Request) {
		c.AbortWithStatusJSON(http.StatusForbidden, "Forbidden: cross-site request refused")
		return
	}
	if id, err := c.Cookie(SessionCookie); err == nil && id != "" {
		if _, csrf, ok := a.users.Session(id); ok {
			if !csrfOK(c, csrf) {
				c.AbortWithStatusJSON(http.StatusForbidden, "Forbidden: missing or wrong CSRF token; reload the page and try again")
				return
			}
			if err := a.users.EndSession(id); err != nil {
				c.Error(err)
			}
		}
	}
	a.setCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, LoginPath)
}

// me answers GET /plowbox/api/me: who the request is signed in as.
func (a *Auth) me(c *gin.Context) {
	p := principalOf(c)
	if p == nil {
		unauthenticated(c)
		return
	}
	c.JSON(http.StatusOK, gin.H{"name": p.User.Name, "role": p.User.Role, "via": p.Via, "csrf": p.CSRF})
}
