package hocon

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gurkankaymak/hocon"
)

// setter applies one key's value.
type setter func(a *applier, v hocon.Value) error

// keys maps the collector keys plowbox applies (paths below `collector`) to their
// setters; the meaning of each is the collector's
// (https://docs.snowplow.io/docs/api-reference/stream-collector/configure/).
var keys = map[string]setter{
	"interface": func(a *applier, v hocon.Value) error { return str(v, func(s string) { a.srv.Interface = &s }) },
	"port":      func(a *applier, v hocon.Value) error { return port(v, func(p int) { a.srv.Port = &p }) },
	"ssl.port":  func(a *applier, v hocon.Value) error { return port(v, func(p int) { a.srv.SSLPort = &p }) },
	"ssl.redirect": func(a *applier, v hocon.Value) error {
		return boolean(v, func(b bool) { a.srv.SSLRedirect = &b })
	},
	"paths": func(a *applier, v hocon.Value) error {
		m, err := asStringMap(v)
		if err != nil {
			return err
		}
		a.cfg.Paths = m
		return nil
	},
	"crossDomain.enabled": func(a *applier, v hocon.Value) error {
		return boolean(v, func(b bool) { a.cfg.CrossDomain.Enabled = b })
	},
	"crossDomain.domains": func(a *applier, v hocon.Value) error {
		return list(v, func(l []string) { a.cfg.CrossDomain.Domains = l })
	},
	"crossDomain.secure": func(a *applier, v hocon.Value) error {
		return boolean(v, func(b bool) { a.cfg.CrossDomain.Secure = b })
	},

	"cookie.enabled": func(a *applier, v hocon.Value) error { return boolean(v, func(b bool) { a.cfg.Cookie.Enabled = b }) },
	"cookie.name":    func(a *applier, v hocon.Value) error { return str(v, func(s string) { a.cfg.Cookie.Name = s }) },
	"cookie.expiration": func(a *applier, v hocon.Value) error {
		return duration(v, func(d time.Duration) { a.cfg.Cookie.Expiration = d })
	},
	"cookie.domains": func(a *applier, v hocon.Value) error { return list(v, func(l []string) { a.cfg.Cookie.Domains = l }) },
	// cookie.domain is the single domain of collectors before 1.0
	"cookie.domain": func(a *applier, v hocon.Value) error {
		return str(v, func(s string) { a.cfg.Cookie.Domains = []string{s} })
	},
	"cookie.fallbackDomain": func(a *applier, v hocon.Value) error {
		return str(v, func(s string) { a.cfg.Cookie.FallbackDomain = s })
	},
	"cookie.fallback-domain": func(a *applier, v hocon.Value) error {
		return str(v, func(s string) { a.cfg.Cookie.FallbackDomain = s })
	},
	"cookie.secure":   func(a *applier, v hocon.Value) error { return boolean(v, func(b bool) { a.cfg.Cookie.Secure = b }) },
	"cookie.httpOnly": func(a *applier, v hocon.Value) error { return boolean(v, func(b bool) { a.cfg.Cookie.HTTPOnly = b }) },
	"cookie.sameSite": func(a *applier, v hocon.Value) error { return str(v, func(s string) { a.cfg.Cookie.SameSite = s }) },
	"cookie.clientCookieName": func(a *applier, v hocon.Value) error {
		return str(v, func(s string) { a.cfg.Cookie.ClientCookieName = s })
	},

	"doNotTrackCookie.enabled": func(a *applier, v hocon.Value) error {
		return boolean(v, func(b bool) { a.cfg.DoNotTrackCookie.Enabled = b })
	},
	"doNotTrackCookie.name": func(a *applier, v hocon.Value) error {
		return str(v, func(s string) { a.cfg.DoNotTrackCookie.Name = s })
	},
	"doNotTrackCookie.value": func(a *applier, v hocon.Value) error {
		return str(v, func(s string) { a.cfg.DoNotTrackCookie.Value = s })
	},

	"cookieBounce.enabled": func(a *applier, v hocon.Value) error {
		return boolean(v, func(b bool) { a.cfg.CookieBounce.Enabled = b })
	},
	"cookieBounce.name": func(a *applier, v hocon.Value) error { return str(v, func(s string) { a.cfg.CookieBounce.Name = s }) },
	"cookieBounce.fallbackNetworkUserId": func(a *applier, v hocon.Value) error {
		return str(v, func(s string) { a.cfg.CookieBounce.FallbackNetworkUserID = s })
	},
	"cookieBounce.forwardedProtocolHeader": func(a *applier, v hocon.Value) error {
		return str(v, func(s string) { a.cfg.CookieBounce.ForwardedProtocolHeader = s })
	},

	"enableDefaultRedirect": func(a *applier, v hocon.Value) error {
		return boolean(v, func(b bool) { a.cfg.EnableDefaultRedirect = b })
	},
	"redirectDomains": func(a *applier, v hocon.Value) error { return list(v, func(l []string) { a.cfg.RedirectDomains = l }) },

	"rootResponse.enabled": func(a *applier, v hocon.Value) error {
		return boolean(v, func(b bool) { a.cfg.RootResponse.Enabled = b })
	},
	"rootResponse.statusCode": func(a *applier, v hocon.Value) error {
		n, err := asInt(v)
		a.cfg.RootResponse.StatusCode = int(n)
		return err
	},
	"rootResponse.headers": func(a *applier, v hocon.Value) error {
		m, err := asStringMap(v)
		a.cfg.RootResponse.Headers = m
		return err
	},
	"rootResponse.body": func(a *applier, v hocon.Value) error { return str(v, func(s string) { a.cfg.RootResponse.Body = s }) },

	"cors.accessControlMaxAge": func(a *applier, v hocon.Value) error {
		return duration(v, func(d time.Duration) { a.cfg.CORS.AccessControlMaxAge = d })
	},
	"hsts.enable": func(a *applier, v hocon.Value) error { return boolean(v, func(b bool) { a.cfg.HSTS.Enable = b }) },
	"hsts.maxAge": func(a *applier, v hocon.Value) error {
		return duration(v, func(d time.Duration) { a.cfg.HSTS.MaxAge = d })
	},

	"networking.maxPayloadSize":  func(a *applier, v hocon.Value) error { return size(v, func(n int64) { a.srv.MaxPayloadSize = &n }) },
	"networking.dropPayloadSize": func(a *applier, v hocon.Value) error { return size(v, func(n int64) { a.cfg.DropPayloadSize = n }) },
	// The size limit of the sink: events larger than it become size_violation bad rows.
	// Collectors 2.x name it streams.sink.maxBytes, 3.x streams.good.maxBytes.
	"streams.sink.maxBytes": func(a *applier, v hocon.Value) error { return size(v, func(n int64) { a.srv.MaxPayloadSize = &n }) },
	"streams.good.maxBytes": func(a *applier, v hocon.Value) error { return size(v, func(n int64) { a.srv.MaxPayloadSize = &n }) },
}

// ignored are collector keys (and key prefixes) that have no meaning in plowbox: the
// sinks and their buffers (plowbox stores events itself), the JVM server's tuning, the
// collector's own metrics and licence.
var ignored = []string{
	"streams", "ssl.enable", "networking", "prometheusMetrics", "telemetry", "monitoring", "license",
	"preTerminationPeriod", "preTerminationUnhealthy", "terminationDeadline", "experimental", "compression",
	"enableStartMessage", "appName", "appVersion", "http", "config",
}

// unsupported are collector features (keys and key prefixes) plowbox does not
// implement, with the warning each gets.
var unsupported = map[string]string{
	"p3p":           "plowbox sends no P3P header; ignored",
	"redirectMacro": "plowbox does not replace a macro in redirect URLs; ignored",
}

// under reports whether path is one of prefixes or below one.
func under(path string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return path == p || strings.HasPrefix(path, p+".") })
}

// unsupportedWarning is the warning of a key of an unsupported feature, or "".
func unsupportedWarning(path string) string {
	first, _, _ := strings.Cut(path, ".")
	return unsupported[first]
}

// hasKeysBelow reports whether keys applies something below path.
func hasKeysBelow(path string) bool {
	for k := range keys {
		if strings.HasPrefix(k, path+".") {
			return true
		}
	}
	return false
}

// str, boolean, list, port, duration and size convert a value and hand it to set.
func str(v hocon.Value, set func(string)) error {
	s, err := asString(v)
	if err == nil {
		set(s)
	}
	return err
}

func boolean(v hocon.Value, set func(bool)) error {
	b, err := asBool(v)
	if err == nil {
		set(b)
	}
	return err
}

func list(v hocon.Value, set func([]string)) error {
	l, err := asStrings(v)
	if err == nil {
		set(l)
	}
	return err
}

func port(v hocon.Value, set func(int)) error {
	n, err := asInt(v)
	if err != nil {
		return err
	}
	if n < 0 || n > 65535 {
		return fmt.Errorf("must be a port number, not %d", n)
	}
	set(int(n))
	return nil
}

func duration(v hocon.Value, set func(time.Duration)) error {
	d, err := asDuration(v)
	if err == nil {
		set(d)
	}
	return err
}

func size(v hocon.Value, set func(int64)) error {
	n, err := asSize(v)
	if err != nil {
		return err
	}
	if n <= 0 {
		return fmt.Errorf("must be positive, not %d", n)
	}
	set(n)
	return nil
}
