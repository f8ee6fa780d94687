package enrichments

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// HTTPCookieSchema is the schema of the cookie_extractor_config derived contexts.
const HTTPCookieSchema = "iglu:org.ietf/http_cookie/jsonschema/1-0-0"

// cookieExtractor is the cookie_extractor_config enrichment (enrichments.md §3.7).
type cookieExtractor struct {
	base
	names map[string]bool
}

// buildCookieExtractor checks a cookie_extractor_config config.
func buildCookieExtractor(_ *builder, c *config) (enrich.Enrichment, error) {
	var p struct {
		Cookies *[]string `json:"cookies"`
	}
	if err := c.params(&p); err != nil {
		return nil, err
	}
	if p.Cookies == nil {
		return nil, fieldErr("cookies", "is required")
	}
	ce := &cookieExtractor{base: newBase(c, 13), names: map[string]bool{}}
	for _, n := range *p.Cookies {
		ce.names[n] = true
	}
	return ce, nil
}

// Enrich implements enrich.Enrichment.
func (ce *cookieExtractor) Enrich(_ context.Context, _ *event.Event, in *enrich.Input) ([]json.RawMessage, error) {
	raw := in.RawEvent()
	if raw == nil || raw.Payload == nil || len(ce.names) == 0 {
		return nil, nil
	}
	var out []json.RawMessage
	for _, h := range raw.Payload.Headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "cookie") {
			continue
		}
		for c := range strings.SplitSeq(value, ";") {
			n, v, _ := strings.Cut(strings.TrimSpace(c), "=")
			if !ce.names[n] {
				continue
			}
			out = append(out, nameValueSDJ(HTTPCookieSchema, n, v))
		}
	}
	return out, nil
}

// nameValueSDJ renders {"schema":schema,"data":{"name":n,"value":v}}.
func nameValueSDJ(schema, n, v string) json.RawMessage {
	b := make([]byte, 0, len(schema)+len(n)+len(v)+48)
	b = append(b, `{"schema":"`+schema+`","data":{"name":`...)
	b = event.AppendJSONString(b, n)
	b = append(b, `,"value":`...)
	b = event.AppendJSONString(b, v)
	return append(b, "}}"...)
}
