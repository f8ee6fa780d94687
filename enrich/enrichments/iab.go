package enrichments

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"time"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// IABSchema is the schema of the IAB enrichment's derived context.
const IABSchema = "iglu:com.iab.snowplow/spiders_and_robots/jsonschema/1-0-0"

// iab is the iab_spiders_and_robots_enrichment enrichment (enrichments.md §4): it checks
// the pre-anonymisation IP address and the user agent against the IAB/ABC International
// Spiders and Bots List as of derived_tstamp and derives a spiders_and_robots context.
// The checks run in this order, the first that decides wins:
//
//  1. the user agent contains a configured includeUseragents pattern → a browser;
//  2. it contains an excludeUseragents pattern → a robot (FAILED_UA_EXCLUDE, UNKNOWN);
//  3. the IP address is in the IP exclude list → a robot (FAILED_IP_EXCLUDE);
//  4. no active include-list pattern matches the user agent → a robot (FAILED_UA_INCLUDE);
//  5. an exclude-list record matches (and no exception of it) → an active or inactive
//     robot with the record's primary impact (FAILED_UA_EXCLUDE);
//  6. otherwise a browser (PASSED_ALL).
type iab struct {
	base
	ips           *iabIPs
	include       []iabInclude
	exclude       []iabExclude
	customInclude []string // lower case
	customExclude []string // lower case
}

// iabParams are the parameters of iab_spiders_and_robots_enrichment 1-0-*.
type iabParams struct {
	IPFile               *asset   `json:"ipFile"`
	ExcludeUseragentFile *asset   `json:"excludeUseragentFile"`
	IncludeUseragentFile *asset   `json:"includeUseragentFile"`
	IncludeUseragents    []string `json:"includeUseragents"`
	ExcludeUseragents    []string `json:"excludeUseragents"`
}

// buildIAB checks an iab_spiders_and_robots_enrichment config and reads its three lists.
func buildIAB(b *builder, c *config) (enrich.Enrichment, error) {
	var p iabParams
	if err := c.params(&p); err != nil {
		return nil, err
	}
	files := []struct {
		key, db string
		a       *asset
		path    string
	}{
		{key: "ipFile", db: "ip_exclude_current_cidr.txt", a: p.IPFile},
		{key: "excludeUseragentFile", db: "exclude_current.txt", a: p.ExcludeUseragentFile},
		{key: "includeUseragentFile", db: "include_current.txt", a: p.IncludeUseragentFile},
	}
	for i := range files {
		f := &files[i]
		if f.a == nil {
			return nil, fieldErr(f.key, "is required")
		}
		if err := f.a.check(f.key, true, f.db); err != nil {
			return nil, err
		}
		path, err := b.resolve("parameters."+f.key, *f.a)
		if err != nil {
			return nil, err
		}
		f.path = path
	}
	en := &iab{base: newBase(c, 4), customInclude: lowerAll(p.IncludeUseragents), customExclude: lowerAll(p.ExcludeUseragents)}
	var err error
	if en.ips, err = loadIABIPs(files[0].path); err != nil {
		return nil, fieldErr("ipFile", "%v", err)
	}
	if en.exclude, err = loadIABExclude(files[1].path); err != nil {
		return nil, fieldErr("excludeUseragentFile", "%v", err)
	}
	if en.include, err = loadIABInclude(files[2].path); err != nil {
		return nil, fieldErr("includeUseragentFile", "%v", err)
	}
	return en, nil
}

// lowerAll lower-cases the non-empty patterns.
func lowerAll(list []string) []string {
	var out []string
	for _, s := range list {
		if s != "" {
			out = append(out, strings.ToLower(s))
		}
	}
	return out
}

// iabResult is the data of a spiders_and_robots context.
type iabResult struct {
	robot                    bool
	category, reason, impact string
}

// Enrich implements enrich.Enrichment. Like upstream, it does nothing for an event
// without a user agent, a readable IP address or a derived_tstamp.
func (en *iab) Enrich(_ context.Context, e *event.Event, _ *enrich.Input) ([]json.RawMessage, error) {
	ua := e.Get(event.Useragent)
	if strings.TrimSpace(ua) == "" {
		return nil, nil
	}
	addr, ok := parseIP(e.Get(event.UserIPAddress))
	if !ok {
		return nil, nil
	}
	at, ok := e.Time(event.DerivedTstamp)
	if !ok {
		return nil, nil
	}
	r := en.check(strings.ToLower(ua), addr, at)
	b := []byte(`{"schema":"` + IABSchema + `","data":{"spiderOrRobot":`)
	if r.robot {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}
	b = append(b, `,"category":"`+r.category+`","reason":"`+r.reason+`","primaryImpact":"`+r.impact+`"}}`...)
	return []json.RawMessage{b}, nil
}

// check classifies a lower-case user agent and an IP address as of time at.
func (en *iab) check(ua string, addr netip.Addr, at time.Time) iabResult {
	browser := iabResult{false, "BROWSER", "PASSED_ALL", "NONE"}
	switch {
	case containsAny(ua, en.customInclude):
		return browser
	case containsAny(ua, en.customExclude):
		return iabResult{true, "SPIDER_OR_ROBOT", "FAILED_UA_EXCLUDE", "UNKNOWN"}
	case en.ips.contains(addr):
		return iabResult{true, "SPIDER_OR_ROBOT", "FAILED_IP_EXCLUDE", "UNKNOWN"}
	case !en.included(ua, at):
		return iabResult{true, "SPIDER_OR_ROBOT", "FAILED_UA_INCLUDE", "UNKNOWN"}
	}
	for _, r := range en.exclude {
		if !iabMatches(ua, r.pattern, r.startOnly) || containsAny(ua, r.exceptions) {
			continue
		}
		if r.inactiveAfter.IsZero() || at.Before(r.inactiveAfter) {
			return iabResult{true, "ACTIVE_SPIDER_OR_ROBOT", "FAILED_UA_EXCLUDE", r.impact}
		}
		return iabResult{true, "INACTIVE_SPIDER_OR_ROBOT", "FAILED_UA_EXCLUDE", r.impact}
	}
	return browser
}

// included reports whether an include-list record active at time at matches ua.
func (en *iab) included(ua string, at time.Time) bool {
	for _, r := range en.include {
		if iabMatches(ua, r.pattern, r.startOnly) && (r.active || (!r.inactiveAfter.IsZero() && at.Before(r.inactiveAfter))) {
			return true
		}
	}
	return false
}

// containsAny reports whether s contains one of the patterns.
func containsAny(s string, patterns []string) bool {
	for _, p := range patterns {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
