package enrichments

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// HTTPHeaderSchema is the schema of the http_header_extractor_config derived contexts.
const HTTPHeaderSchema = "iglu:org.ietf/http_header/jsonschema/1-0-0"

// headerExtractor is the http_header_extractor_config enrichment (enrichments.md §3.8).
type headerExtractor struct {
	base
	re *regexp.Regexp
}

// buildHeaderExtractor checks an http_header_extractor_config config.
func buildHeaderExtractor(_ *builder, c *config) (enrich.Enrichment, error) {
	var p struct {
		HeadersPattern *string `json:"headersPattern"`
	}
	if err := c.params(&p); err != nil {
		return nil, err
	}
	if p.HeadersPattern == nil {
		return nil, fieldErr("headersPattern", "is required")
	}
	re, err := regexp.Compile(`(?i)^(?:` + *p.HeadersPattern + `)$`)
	if err != nil {
		return nil, fieldErr("headersPattern", "is not a valid regular expression: %v", err)
	}
	return &headerExtractor{base: newBase(c, 14), re: re}, nil
}

// Enrich implements enrich.Enrichment.
func (he *headerExtractor) Enrich(_ context.Context, _ *event.Event, in *enrich.Input) ([]json.RawMessage, error) {
	raw := in.RawEvent()
	if raw == nil || raw.Payload == nil {
		return nil, nil
	}
	var out []json.RawMessage
	for _, h := range raw.Payload.Headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t/") || !he.re.MatchString(name) {
			continue // the bare content-type element has no "Name: " prefix
		}
		out = append(out, nameValueSDJ(HTTPHeaderSchema, name, strings.TrimSpace(value)))
	}
	return out, nil
}
