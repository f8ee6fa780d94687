package enrichments

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// campaign is the campaign_attribution enrichment (enrichments.md §3.4).
type campaign struct {
	base
	medium, source, term, content, name []string
	clickIDs                            []clickID
}

// clickID maps a click-id query parameter to its ad network.
type clickID struct{ param, network string }

// defaultClickIDs are the click ids every campaign_attribution config knows.
var defaultClickIDs = []clickID{{"gclid", "Google"}, {"msclkid", "Microsoft"}, {"dclid", "DoubleClick"}}

// campaignParams are the parameters of campaign_attribution.
type campaignParams struct {
	Mapping *string `json:"mapping"`
	Fields  *struct {
		MktMedium   *[]string       `json:"mktMedium"`
		MktSource   *[]string       `json:"mktSource"`
		MktTerm     *[]string       `json:"mktTerm"`
		MktContent  *[]string       `json:"mktContent"`
		MktCampaign *[]string       `json:"mktCampaign"`
		MktClickID  json.RawMessage `json:"mktClickId"`
	} `json:"fields"`
}

// buildCampaign checks a campaign_attribution config.
func buildCampaign(_ *builder, c *config) (enrich.Enrichment, error) {
	var p campaignParams
	if err := c.params(&p); err != nil {
		return nil, err
	}
	if p.Mapping != nil && *p.Mapping != "static" && *p.Mapping != "script" {
		return nil, fieldErr("mapping", `must be "static" or "script", not %q`, *p.Mapping)
	}
	if p.Fields == nil {
		return nil, fieldErr("fields", "is required")
	}
	f := p.Fields
	lists := []struct {
		name string
		v    *[]string
	}{{"mktMedium", f.MktMedium}, {"mktSource", f.MktSource}, {"mktTerm", f.MktTerm}, {"mktContent", f.MktContent}, {"mktCampaign", f.MktCampaign}}
	for _, l := range lists {
		if l.v == nil {
			return nil, fieldErr("fields."+l.name, "is required")
		}
	}
	ca := &campaign{base: newBase(c, 10), medium: *f.MktMedium, source: *f.MktSource, term: *f.MktTerm,
		content: *f.MktContent, name: *f.MktCampaign, clickIDs: append([]clickID(nil), defaultClickIDs...)}
	if len(f.MktClickID) > 0 && string(f.MktClickID) != "null" {
		custom, err := orderedStringMap(f.MktClickID)
		if err != nil {
			return nil, fieldErr("fields.mktClickId", "must be an object of parameter → network name strings: %v", err)
		}
		for _, kv := range custom {
			replaced := false
			for i := range ca.clickIDs {
				if ca.clickIDs[i].param == kv[0] {
					ca.clickIDs[i].network, replaced = kv[1], true
				}
			}
			if !replaced {
				ca.clickIDs = append(ca.clickIDs, clickID{kv[0], kv[1]})
			}
		}
	}
	return ca, nil
}

// orderedStringMap decodes a JSON object of strings, keeping key order.
func orderedStringMap(raw json.RawMessage) ([][2]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errorf("not an object")
	}
	var out [][2]string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return nil, errorf("value of %q: %v", k, err)
		}
		out = append(out, [2]string{k.(string), v})
	}
	return out, nil
}

// Enrich implements enrich.Enrichment.
func (ca *campaign) Enrich(_ context.Context, e *event.Event, _ *enrich.Input) ([]json.RawMessage, error) {
	q := pageQuery(e)
	if len(q) == 0 {
		return nil, nil
	}
	set := func(f event.Field, names []string) {
		for _, n := range names {
			if v, ok := q.Get(n); ok {
				e.Set(f, event.CleanTSV(v))
				return
			}
		}
	}
	set(event.MktMedium, ca.medium)
	set(event.MktSource, ca.source)
	set(event.MktTerm, ca.term)
	set(event.MktContent, ca.content)
	set(event.MktCampaign, ca.name)
	for _, c := range ca.clickIDs {
		if v, ok := q.Get(c.param); ok {
			e.Set(event.MktClickid, event.CleanTSV(v))
			e.Set(event.MktNetwork, event.CleanTSV(c.network))
			break
		}
	}
	return nil, nil
}

// pageQuery parses page_urlquery, leniently when it has malformed percent escapes.
func pageQuery(e *event.Event) event.Params {
	return parseQueryLenient(e.Get(event.PageURLquery))
}

// parseQueryLenient parses a query string; malformed percent escapes are kept literally.
func parseQueryLenient(q string) event.Params {
	if q == "" {
		return nil
	}
	ps, err := event.ParseQuery(q)
	if err == nil {
		return ps
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] == '%' && (i+2 >= len(q) || !isHex(q[i+1]) || !isHex(q[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(q[i])
	}
	ps, _ = event.ParseQuery(b.String())
	return ps
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
