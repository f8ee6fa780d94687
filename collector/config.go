package collector

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Default paths a custom alias may map to (collector.md §3).
const (
	PathTP2      = "/com.snowplowanalytics.snowplow/tp2"
	PathRedirect = "/r/tp2"
	PathIglu     = "/com.snowplowanalytics.iglu/v1"
)

// MaxNameLength is the longest collector name the bad-row schemas accept.
const MaxNameLength = 32

// Config configures a Collector. Field names follow the stream collector's HOCON keys
// (collector.md §1); the networking keys other than dropPayloadSize belong to the server.
type Config struct {
	// Name is the collector name recorded in every payload (v_collector): plowbox-<semver>.
	Name string
	// Paths maps custom two-segment paths to one of PathTP2, PathRedirect or PathIglu.
	Paths map[string]string
	// Cookie configures the network-user-id cookie.
	Cookie CookieConfig
	// DoNotTrackCookie configures the do-not-track cookie.
	DoNotTrackCookie DoNotTrackCookieConfig
	// CookieBounce configures third-party-cookie detection.
	CookieBounce CookieBounceConfig
	// EnableDefaultRedirect activates the literal /r/tp2 click-redirect endpoint.
	EnableDefaultRedirect bool
	// RedirectDomains lists the hosts a click redirect may go to; empty allows any host.
	RedirectDomains []string
	// RootResponse is the answer to GET /.
	RootResponse RootResponseConfig
	// CrossDomain configures /crossdomain.xml.
	CrossDomain CrossDomainConfig
	// CORS configures the preflight answer.
	CORS CORSConfig
	// HSTS adds a Strict-Transport-Security header to every response when enabled.
	HSTS HSTSConfig
	// DropPayloadSize is the largest request body accepted; larger bodies get 413 and are
	// not stored.
	DropPayloadSize int64
	// Now returns the receipt time; nil means time.Now.
	Now func() time.Time
	// NewID returns a fresh network user id; nil means a random lower-case UUID v4.
	NewID func() string
}

// CookieConfig configures the network-user-id cookie (collector.md §6).
type CookieConfig struct {
	Enabled          bool          // send the cookie at all
	Name             string        // cookie name, sp by default
	Expiration       time.Duration // lifetime; Expires = now + Expiration
	Domains          []string      // candidate domains matched against the Origin hosts
	FallbackDomain   string        // domain used when no candidate matches; "" for none
	Secure           bool          // add Secure (always added when SameSite is None)
	HTTPOnly         bool          // add HttpOnly (never on the client cookie)
	SameSite         string        // None, Lax, Strict, or "" for no attribute
	ClientCookieName string        // name of a second, script-readable cookie; "" for none
}

// DoNotTrackCookieConfig configures the do-not-track cookie (collector.md §4.5).
type DoNotTrackCookieConfig struct {
	Enabled bool
	Name    string
	Value   string // a regular expression the cookie value must fully match
}

// CookieBounceConfig configures the cookie bounce (collector.md §4.6).
type CookieBounceConfig struct {
	Enabled                 bool
	Name                    string // query parameter marking a bounced request
	FallbackNetworkUserID   string // nuid of a bounced request that still has no cookie
	ForwardedProtocolHeader string // header whose http/https value replaces the scheme
}

// RootResponseConfig is the answer to GET /.
type RootResponseConfig struct {
	Enabled    bool
	StatusCode int
	Headers    map[string]string
	Body       string
}

// CrossDomainConfig configures /crossdomain.xml (collector.md §10).
type CrossDomainConfig struct {
	Enabled bool
	Domains []string
	Secure  bool
}

// CORSConfig configures CORS preflight answers (collector.md §5.2).
type CORSConfig struct {
	AccessControlMaxAge time.Duration
}

// HSTSConfig configures the Strict-Transport-Security header.
type HSTSConfig struct {
	Enable bool
	MaxAge time.Duration
}

// Name returns the collector name for a plowbox version: plowbox-<semver>.
func Name(version string) string { return "plowbox-" + version }

// DefaultConfig returns the collector defaults of collector.md §1, with plowbox's root
// response. Name is plowbox-dev; set it with Name(version).
func DefaultConfig() Config {
	return Config{
		Name: Name("dev"),
		Cookie: CookieConfig{
			Enabled:    true,
			Name:       "sp",
			Expiration: 365 * 24 * time.Hour,
			Secure:     true,
			HTTPOnly:   true,
			SameSite:   "None",
		},
		CookieBounce: CookieBounceConfig{
			Name:                  "n3pc",
			FallbackNetworkUserID: "00000000-0000-4000-A000-000000000000",
		},
		RootResponse: RootResponseConfig{
			Enabled:    true,
			StatusCode: 302,
			Headers:    map[string]string{"Location": "/micro/ui/"},
		},
		CrossDomain:     CrossDomainConfig{Domains: []string{"*"}, Secure: true},
		CORS:            CORSConfig{AccessControlMaxAge: time.Hour},
		DropPayloadSize: 2 << 20,
	}
}

// Validate reports every configuration error at once.
func (c *Config) Validate() error {
	var errs []error
	if c.Name == "" || len(c.Name) > MaxNameLength {
		errs = append(errs, fmt.Errorf("collector name %q must be 1 to %d characters", c.Name, MaxNameLength))
	}
	for from, to := range c.Paths {
		if _, _, ok := twoSegments(from); !ok {
			errs = append(errs, fmt.Errorf("paths: %q is not a /vendor/version path", from))
		}
		switch to {
		case PathTP2, PathRedirect, PathIglu:
		default:
			errs = append(errs, fmt.Errorf("paths: %q maps to %q; use %s, %s or %s", from, to, PathTP2, PathRedirect, PathIglu))
		}
	}
	if c.Cookie.Enabled && !validCookieName(c.Cookie.Name) {
		errs = append(errs, fmt.Errorf("cookie.name %q is not a valid cookie name", c.Cookie.Name))
	}
	if c.Cookie.ClientCookieName != "" && !validCookieName(c.Cookie.ClientCookieName) {
		errs = append(errs, fmt.Errorf("cookie.clientCookieName %q is not a valid cookie name", c.Cookie.ClientCookieName))
	}
	switch strings.ToLower(c.Cookie.SameSite) {
	case "", "none", "lax", "strict":
	default:
		errs = append(errs, fmt.Errorf("cookie.sameSite %q: use None, Lax, Strict or leave it unset", c.Cookie.SameSite))
	}
	if c.DoNotTrackCookie.Enabled {
		if _, err := regexp.Compile(c.DoNotTrackCookie.Value); err != nil {
			errs = append(errs, fmt.Errorf("doNotTrackCookie.value: %w", err))
		}
	}
	if c.CookieBounce.Enabled && c.CookieBounce.Name == "" {
		errs = append(errs, errors.New("cookieBounce.name must not be empty"))
	}
	if c.RootResponse.Enabled && (c.RootResponse.StatusCode < 100 || c.RootResponse.StatusCode > 599) {
		errs = append(errs, fmt.Errorf("rootResponse.statusCode %d is not an HTTP status", c.RootResponse.StatusCode))
	}
	if c.DropPayloadSize <= 0 {
		errs = append(errs, fmt.Errorf("networking.dropPayloadSize %d must be positive", c.DropPayloadSize))
	}
	return errors.Join(errs...)
}

// validCookieName reports whether s is an RFC 6265 token.
func validCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b <= 0x20 || b >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", b) >= 0 {
			return false
		}
	}
	return true
}
