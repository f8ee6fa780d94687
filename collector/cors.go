package collector

import (
	"net/http"
	"strconv"
	"strings"
)

// origin is one parsed entry of an Origin header.
type origin struct {
	scheme, host, port string
}

// String renders the origin as scheme://host[:port].
func (o origin) String() string {
	s := o.scheme + "://" + o.host
	if o.port != "" {
		s += ":" + o.port
	}
	return s
}

// parseOrigins parses the space-separated origins of an Origin header, skipping the
// parts that are not scheme://host[:port] (including "null").
func parseOrigins(h http.Header) []origin {
	v := h.Get("Origin")
	if v == "" {
		return nil
	}
	var out []origin
	for part := range strings.FieldsSeq(v) {
		if o, ok := parseOrigin(part); ok {
			out = append(out, o)
		}
	}
	return out
}

// parseOrigin parses scheme://host[:port]; IPv6 hosts keep their brackets.
func parseOrigin(s string) (origin, bool) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !validScheme(scheme) || rest == "" {
		return origin{}, false
	}
	var host, port string
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return origin{}, false
		}
		host, rest = rest[:end+1], rest[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return origin{}, false
			}
			port = rest[1:]
			if port == "" {
				return origin{}, false
			}
		}
	} else {
		host, port, _ = strings.Cut(rest, ":")
		if strings.Contains(rest, ":") && port == "" {
			return origin{}, false
		}
	}
	if host == "" || !validHost(host) {
		return origin{}, false
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
			return origin{}, false
		}
	}
	return origin{scheme: scheme, host: host, port: port}, true
}

func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && (c < '0' || c > '9') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// validHost accepts registered names (unreserved and sub-delims and pct-encodings) and
// bracketed IP literals.
func validHost(s string) bool {
	if strings.HasPrefix(s, "[") {
		inner := s[1 : len(s)-1]
		return inner != "" && strings.Trim(inner, "0123456789abcdefABCDEF:.vV") == ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c), c >= '0' && c <= '9':
		case strings.IndexByte("-._~%!$&'()*+,;=", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// allowOrigin is the Access-Control-Allow-Origin value: the first parsed origin, or *.
func allowOrigin(origins []origin) string {
	if len(origins) == 0 {
		return "*"
	}
	return origins[0].String()
}

// addCORS adds the CORS headers of every tracking response (§5.1).
func addCORS(h http.Header, origins []origin) {
	h.Set("Access-Control-Allow-Origin", allowOrigin(origins))
	h.Set("Access-Control-Allow-Credentials", "true")
}
