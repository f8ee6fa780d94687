package enrichments

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// CrossNavigationSchema is the schema of the cross_navigation_config entity.
const CrossNavigationSchema = "iglu:com.snowplowanalytics.snowplow/cross_navigation/jsonschema/1-0-0"

// crossNavigation is the cross_navigation_config enrichment: beside
// the built-in cross-domain parsing, it turns the page URL's _sp parameter,
// "_sp=<duid>.<ms-timestamp>[.<sessionId>.<b64 userId>.<b64 sourceId>.<sourcePlatform>.<b64 reason>]",
// into a cross_navigation entity
// (https://docs.snowplow.io/docs/enriching-your-data/available-enrichments/cross-navigation-enrichment/).
type crossNavigation struct {
	base
}

// buildCrossNavigation checks a cross_navigation_config config: it has no parameters.
func buildCrossNavigation(_ *builder, c *config) (enrich.Enrichment, error) {
	var p struct{}
	if err := c.params(&p); err != nil {
		return nil, err
	}
	return &crossNavigation{base: newBase(c, enrich.StepCrossDomain)}, nil
}

// Enrich implements enrich.Enrichment. An _sp without a domain user id or a valid
// millisecond timestamp (both required by the entity's schema) gives no entity; parts
// that are absent or empty are null.
func (cn *crossNavigation) Enrich(_ context.Context, e *event.Event, _ *enrich.Input) ([]json.RawMessage, error) {
	query, err := event.ParseQuery(e.Get(event.PageURLquery))
	if err != nil {
		return nil, nil // the built-in cross-domain step reports an unreadable page query
	}
	sp, ok := query.Get("_sp")
	if !ok || sp == "" {
		return nil, nil
	}
	parts := strings.Split(sp, ".")
	if len(parts) < 2 || parts[0] == "" {
		return nil, nil
	}
	ms, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, nil
	}
	part := func(i int, b64 bool) *string {
		if i >= len(parts) || parts[i] == "" {
			return nil
		}
		v := parts[i]
		if b64 {
			d, ok := decodeBase64(v)
			if !ok {
				return nil
			}
			v = d
		}
		return &v
	}
	b := []byte(`{"schema":"` + CrossNavigationSchema + `","data":{"domain_user_id":`)
	b = event.AppendJSONString(b, parts[0])
	b = append(b, `,"timestamp":`...)
	b = event.AppendJSONString(b, time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z"))
	for _, f := range []struct {
		key string
		v   *string
	}{
		{"session_id", part(2, false)}, {"user_id", part(3, true)}, {"source_id", part(4, true)},
		{"source_platform", part(5, false)}, {"reason", part(6, true)},
	} {
		b = append(b, `,"`+f.key+`":`...)
		if f.v == nil {
			b = append(b, "null"...)
		} else {
			b = event.AppendJSONString(b, *f.v)
		}
	}
	return []json.RawMessage{append(b, "}}"...)}, nil
}

// decodeBase64 decodes the trackers' base64url (unpadded), or standard base64.
func decodeBase64(s string) (string, bool) {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		if d, err := enc.DecodeString(s); err == nil {
			return string(d), true
		}
	}
	return "", false
}
