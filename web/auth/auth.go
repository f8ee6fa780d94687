// Package auth authenticates requests to plowbox's own routes under --auth basic (the
// login cookie, basic credentials, API tokens), enforces the role each route needs,
// throttles wrong passwords, checks CSRF tokens, and serves the login form and the
// users and tokens API.
package auth

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/plowbox/plowbox/internal/users"
	"github.com/plowbox/plowbox/web/httpkit"
)

// SessionCookie is the name of plowbox's login cookie.
const SessionCookie = "plowbox_session"

// LoginPath and LogoutPath are the login form and the sign-out action.
const (
	LoginPath  = "/plowbox/login"
	LogoutPath = "/plowbox/logout"
)

// Auth authenticates requests under --auth basic — a login cookie, HTTP basic
// credentials or a bearer API token — and enforces the role each route needs. Failed
// password checks are throttled per user and client address.
type Auth struct {
	users    *users.Users
	throttle *throttle
	log      *slog.Logger
}

// NewAuth returns the authenticator over users.
func NewAuth(u *users.Users, log *slog.Logger) *Auth {
	if log == nil {
		log = slog.Default()
	}
	return &Auth{users: u, throttle: newThrottle(time.Now), log: log}
}

// NewBasicAuth returns an Auth that knows one admin, kept in memory only (tests, and
// --password without a data directory).
func NewBasicAuth(name, password string) (*Auth, error) {
	u := users.NewUsers(users.NewMemorySettings())
	if err := u.Add(name, password, users.RoleAdmin); err != nil {
		return nil, err
	}
	return NewAuth(u, nil), nil
}

// SetClock replaces the clock of the password throttle, so that tests can step through
// lockouts.
func (a *Auth) SetClock(now func() time.Time) { a.throttle.now = now }

// Users returns the user manager.
func (a *Auth) Users() *users.Users { return a.users }

// Principal is the user a request acts for and how it proved it.
type Principal struct {
	User users.User
	Via  string // "cookie", "basic" or "token"
	CSRF string // the session's CSRF token when Via is "cookie"
}

// principalKey is the gin context key of the request's *Principal.
const principalKey = "plowbox.principal"

// principalOf returns the authenticated user of c, or nil (anonymous, or --auth none).
func principalOf(c *gin.Context) *Principal {
	if v, ok := c.Get(principalKey); ok {
		p, _ := v.(*Principal)
		return p
	}
	return nil
}

// authError is a failed authentication with its answer.
type authError struct {
	status     int
	msg        string
	retryAfter time.Duration
}

func (e *authError) Error() string { return e.msg }

// identify authenticates c's credentials. It returns nil, nil for a request that
// presents none, and an *authError for credentials that are wrong, revoked or throttled.
func (a *Auth) identify(c *gin.Context) (*Principal, error) {
	if p := principalOf(c); p != nil {
		return p, nil
	}
	if h := c.GetHeader("Authorization"); h != "" {
		scheme, cred, _ := strings.Cut(h, " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			secret := strings.TrimSpace(cred)
			usr, tok, ok := a.users.TokenUser(secret)
			if !strings.HasPrefix(secret, users.TokenPrefix) || !ok {
				return nil, &authError{status: http.StatusUnauthorized, msg: "The API token is not valid or has been revoked"}
			}
			a.users.TouchToken(secret, tok)
			return &Principal{User: usr, Via: "token"}, nil
		case strings.EqualFold(scheme, "Basic"):
			name, password, ok := c.Request.BasicAuth()
			if !ok {
				return nil, &authError{status: http.StatusUnauthorized, msg: "The basic credentials are malformed"}
			}
			usr, err := a.checkPassword(name, password, c.RemoteIP())
			if err != nil {
				return nil, err
			}
			return &Principal{User: usr, Via: "basic"}, nil
		}
		return nil, &authError{status: http.StatusUnauthorized, msg: "Unsupported Authorization scheme " + strconv.Quote(scheme) + ": use Basic or Bearer"}
	}
	if ck, err := c.Cookie(SessionCookie); err == nil && ck != "" {
		if usr, csrf, ok := a.users.Session(ck); ok {
			return &Principal{User: usr, Via: "cookie", CSRF: csrf}, nil
		}
	}
	return nil, nil
}

// errWrongPassword is the answer to a wrong user name or password.
var errWrongPassword = &authError{status: http.StatusUnauthorized, msg: "Wrong user name or password"}

// checkPassword checks a password under the throttle of (name, ip).
func (a *Auth) checkPassword(name, password, ip string) (users.User, error) {
	key := name + "|" + ip
	if wait := a.throttle.wait(key); wait > 0 {
		return users.User{}, &authError{status: http.StatusTooManyRequests, retryAfter: wait,
			msg: "Too many failed sign-ins for " + strconv.Quote(name) + " from this address: try again in " + roundUp(wait).String()}
	}
	usr, ok := a.users.Authenticate(name, password)
	if !ok {
		a.throttle.fail(key)
		a.log.Warn("failed sign-in", "user", name, "ip", ip)
		return users.User{}, errWrongPassword
	}
	a.throttle.ok(key)
	return usr, nil
}

func roundUp(d time.Duration) time.Duration { return d.Truncate(time.Second) + time.Second }

// fail answers an authentication error.
func fail(c *gin.Context, err error) {
	var ae *authError
	if !errors.As(err, &ae) {
		c.Error(err)
		c.AbortWithStatusJSON(http.StatusInternalServerError, "authentication failed: "+err.Error())
		return
	}
	if ae.retryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int(roundUp(ae.retryAfter)/time.Second)))
	}
	if ae.status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Basic realm="plowbox", charset="UTF-8"`)
	}
	c.AbortWithStatusJSON(ae.status, ae.msg)
}

// unauthenticated answers a request without credentials: browsers asking for a page are
// sent to the login form, everything else gets 401 with a basic-auth challenge.
func unauthenticated(c *gin.Context) {
	req := c.Request
	if (req.Method == http.MethodGet || req.Method == http.MethodHead) && strings.Contains(req.Header.Get("Accept"), "text/html") {
		c.Redirect(http.StatusSeeOther, LoginPath+"?next="+url.QueryEscape(req.URL.RequestURI()))
		c.Abort()
		return
	}
	c.Header("WWW-Authenticate", `Basic realm="plowbox", charset="UTF-8"`)
	c.AbortWithStatusJSON(http.StatusUnauthorized, "Authentication required: sign in at "+LoginPath+
		", use basic auth with a plowbox user or an API token (Authorization: Bearer pbx_…), or run plowbox with --auth none")
}

// Guard is the router-wide access check: public routes pass; every other route needs a
// user with the role policy assigns it; Iglu API requests carrying an apikey are left
// to the registry's own key check; cookie-authenticated writes need the CSRF token.
func (a *Auth) Guard(c *gin.Context) {
	req := c.Request
	path := req.URL.Path
	if req.Method == http.MethodOptions || isPublic(req.Method, path) {
		c.Next()
		return
	}
	if underPrefix(path, "/micro") {
		httpkit.MicroCORS(c) // so that browsers can read the 401 too
	}
	p, err := a.identify(c)
	if err != nil {
		fail(c, err)
		return
	}
	if p == nil {
		if isIgluAPI(path) && req.Header.Get("apikey") != "" {
			c.Next() // the registry checks its key: an apikey header equal to the super key
			return
		}
		unauthenticated(c)
		return
	}
	c.Set(principalKey, p)
	role := requiredRole(req.Method, path)
	if role == users.RoleAdmin && p.User.Role != users.RoleAdmin {
		c.AbortWithStatusJSON(http.StatusForbidden, "Forbidden: this needs the admin role; "+p.User.Name+" is a "+string(p.User.Role))
		return
	}
	if UnsafeMethod(req.Method) && (role == users.RoleAdmin || strings.HasPrefix(path, "/plowbox/")) {
		if CrossSite(req) {
			c.AbortWithStatusJSON(http.StatusForbidden, "Forbidden: cross-site request refused")
			return
		}
		if p.Via == "cookie" && !csrfOK(c, p.CSRF) {
			c.AbortWithStatusJSON(http.StatusForbidden, "Forbidden: missing or wrong CSRF token; reload the page and try again")
			return
		}
	}
	c.Next()
}

// Require requires an authenticated user; routes behind guard already have one.
func (a *Auth) Require(c *gin.Context) {
	if principalOf(c) != nil {
		c.Next()
		return
	}
	a.Guard(c)
}

// UnsafeMethod reports whether a request with method m may change something.
func UnsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// StripCredentials removes plowbox's own Authorization header and login cookie from a
// request bound for the collector, so that they are never stored in payloads (Mini
// strips its own credentials before the collector too). Other cookies are kept byte for byte when the login cookie is absent.
func StripCredentials(req *http.Request) {
	req.Header.Del("Authorization")
	cookies := req.Header.Values("Cookie")
	found := false
	for _, v := range cookies {
		if strings.Contains(v, SessionCookie+"=") {
			found = true
			break
		}
	}
	if !found {
		return
	}
	var keep []string
	for _, ck := range req.Cookies() {
		if ck.Name != SessionCookie {
			keep = append(keep, ck.Name+"="+ck.Value)
		}
	}
	req.Header.Del("Cookie")
	if len(keep) > 0 {
		req.Header.Set("Cookie", strings.Join(keep, "; "))
	}
}

// SessionInfo returns the signed-in user of c, their role and the CSRF token its forms
// must post back; all "" for anonymous requests and under --auth none. It fits
// explorer.Options.Session.
func SessionInfo(c *gin.Context) (user, role, csrf string) {
	if p := principalOf(c); p != nil {
		return p.User.Name, string(p.User.Role), p.CSRF
	}
	return "", "", ""
}
