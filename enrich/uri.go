package enrich

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/plowbox/plowbox/enrich/event"
)

// uriParts are the exploded parts of a page or referer URI (enriched-event.md §6).
type uriParts struct {
	uri                                       string // the normalised URI
	scheme, host, port, path, query, fragment string
}

// parseURI parses a page or referer URI: spaces become %20, then it is parsed strictly,
// then leniently with invalid percent escapes neutralised.
func parseURI(s string) (uriParts, error) {
	s = strings.ReplaceAll(s, " ", "%20")
	u, err := url.Parse(s)
	if err != nil {
		lenient := fixPercent(s)
		u2, err2 := url.Parse(lenient)
		if err2 != nil {
			return uriParts{}, fmt.Errorf("Provided URI [%s] could not be parsed: %w", s, err)
		}
		s, u = lenient, u2
	}
	p := uriParts{uri: s, scheme: u.Scheme, host: u.Hostname()}
	rest := s
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		p.fragment, rest = rest[i+1:], rest[:i]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		p.query, rest = rest[i+1:], rest[:i]
	}
	if u.Scheme != "" {
		rest = rest[len(u.Scheme)+1:]
	}
	switch {
	case u.Opaque != "":
		rest = ""
	case strings.HasPrefix(rest, "//"):
		rest = rest[2:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[i:]
		} else {
			rest = ""
		}
	}
	p.path = rest
	switch {
	case u.Port() != "":
		p.port = strings.TrimLeft(u.Port(), "0")
		if p.port == "" {
			p.port = "0"
		}
	case strings.EqualFold(u.Scheme, "https"):
		p.port = "443"
	default:
		p.port = "80"
	}
	return p, nil
}

// fixPercent escapes every '%' that does not start a valid percent escape.
func fixPercent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// setURIFields writes the exploded parts into the scheme…fragment fields starting at
// scheme (page_urlscheme or refr_urlscheme; the six fields are consecutive).
func setURIFields(e *event.Event, scheme event.Field, p uriParts) {
	e.Set(scheme, event.CleanTSV(p.scheme))
	e.Set(scheme+1, event.CleanTSV(p.host))
	e.Set(scheme+2, p.port)
	e.Set(scheme+3, event.CleanTSV(p.path))
	e.Set(scheme+4, event.CleanTSV(p.query))
	e.Set(scheme+5, event.CleanTSV(p.fragment))
}
