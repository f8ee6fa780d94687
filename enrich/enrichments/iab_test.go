package enrichments

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// iabContext renders the expected spiders_and_robots context.
func iabContext(robot bool, category, reason, impact string) string {
	r := "false"
	if robot {
		r = "true"
	}
	return `{"schema":"` + IABSchema + `","data":{"spiderOrRobot":` + r + `,"category":"` + category + `","reason":"` + reason + `","primaryImpact":"` + impact + `"}}`
}

// runIAB enriches one event with the user agent, IP and derived_tstamp given and returns
// the context, or "" when there is none.
func runIAB(t *testing.T, en enrich.Enrichment, ua, ip string, at time.Time) string {
	t.Helper()
	e := newEvent(t, map[string]string{"useragent": ua, "user_ipaddress": ip})
	if !at.IsZero() {
		e.SetTime(event.DerivedTstamp, at)
	}
	ctxs, err := en.Enrich(context.Background(), e, nil)
	if err != nil {
		t.Fatal(err)
	}
	switch len(ctxs) {
	case 0:
		return ""
	case 1:
		if !json.Valid(ctxs[0]) {
			t.Fatalf("invalid JSON %s", ctxs[0])
		}
		return string(ctxs[0])
	}
	t.Fatalf("%d contexts", len(ctxs))
	return ""
}

// TestIAB checks the IAB rules against the lists of Snowplow's black-box tests, plus the
// config's own includeUseragents (PlowboxQA) and excludeUseragents (HeadlessChrome).
func TestIAB(t *testing.T) {
	en := loadFixture(t, "iab_spiders_and_robots_enrichment.good.json", Options{DataDir: dataDir(t)})
	const firefox = "Mozilla/5.0%20(Windows%20NT%206.1;%20WOW64;%20rv:12.0)%20Gecko/20100101%20Firefox/12.0"
	const googlebot = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Safari/537.36"
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	browser := iabContext(false, "BROWSER", "PASSED_ALL", "NONE")
	tests := []struct {
		name, ua, ip string
		at           time.Time
		want         string
	}{
		{"listed browser", firefox, "216.160.83.56", at, browser},
		{"IPv6 and a port", firefox, "[2001:db8::ff00:42:8329]:9090", at, browser},
		{"not in the include list", googlebot, "216.160.83.56", at, iabContext(true, "SPIDER_OR_ROBOT", "FAILED_UA_INCLUDE", "UNKNOWN")},
		{"excluded CIDR block", firefox, "131.53.7.1", at, iabContext(true, "SPIDER_OR_ROBOT", "FAILED_IP_EXCLUDE", "UNKNOWN")},
		{"unmasked CIDR block", firefox, "217.152.89.254", at, iabContext(true, "SPIDER_OR_ROBOT", "FAILED_IP_EXCLUDE", "UNKNOWN")},
		{"excluded address with a port", firefox, "215.151.101.210:443", at, iabContext(true, "SPIDER_OR_ROBOT", "FAILED_IP_EXCLUDE", "UNKNOWN")},
		{"next to a /32", firefox, "192.127.245.129", at, browser},
		{"exclude pattern, impact 2", "Some user agent with xsoft url", "216.160.83.56", at, iabContext(true, "ACTIVE_SPIDER_OR_ROBOT", "FAILED_UA_EXCLUDE", "PAGE_AND_AD_IMPRESSIONS")},
		{"exclude pattern, impact 1", "Some User Agent Dialer/1.0", "216.160.83.56", at, iabContext(true, "ACTIVE_SPIDER_OR_ROBOT", "FAILED_UA_EXCLUDE", "AD_IMPRESSIONS")},
		{"exclude exception", "Some user agent dialer SomeDialer", "216.160.83.56", at, browser},
		{"one of several exceptions", "some user agent xcho xchofon", "216.160.83.56", at, browser},
		{"start-of-string include", "Xdroid 2.0", "216.160.83.56", at, browser},
		{"start-of-string include elsewhere", "My Xdroid 2.0", "216.160.83.56", at, iabContext(true, "SPIDER_OR_ROBOT", "FAILED_UA_INCLUDE", "UNKNOWN")},
		{"start-of-string exclude", "User agent at the start only v1", "216.160.83.56", at, iabContext(true, "ACTIVE_SPIDER_OR_ROBOT", "FAILED_UA_EXCLUDE", "PAGE_AND_AD_IMPRESSIONS")},
		{"start-of-string exclude exception", "User agent at the start only, user agent exclude", "216.160.83.56", at, browser},
		{"inactive include before its date", "Inactive Browser", "216.160.83.56", time.Date(2017, 3, 29, 0, 0, 0, 0, time.UTC), browser},
		{"inactive include after its date", "Inactive Browser", "216.160.83.56", at, iabContext(true, "SPIDER_OR_ROBOT", "FAILED_UA_INCLUDE", "UNKNOWN")},
		{"commented record", "Commented browser", "216.160.83.56", at, iabContext(true, "SPIDER_OR_ROBOT", "FAILED_UA_INCLUDE", "UNKNOWN")},
		{"config include wins over the IP list", "PlowboxQA " + googlebot, "12.1.2.3", at, browser},
		{"config exclude", firefox + " HeadlessChrome", "216.160.83.56", at, iabContext(true, "SPIDER_OR_ROBOT", "FAILED_UA_EXCLUDE", "UNKNOWN")},
		{"no user agent", "", "216.160.83.56", at, ""},
		{"blank user agent", "   ", "216.160.83.56", at, ""},
		{"no IP address", firefox, "", at, ""},
		{"unreadable IP address", firefox, "unknown", at, ""},
		{"no derived_tstamp", firefox, "216.160.83.56", time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runIAB(t, en, tt.ua, tt.ip, tt.at); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestIABInactiveDates checks how an exclude record's active flag and inactive date
// decide between an active and an inactive robot, with a list written in ISO-8859-1.
func TestIABInactiveDates(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"ip_exclude_current_cidr.txt": "# none\n\n2001:db8:bad::/48\n",
		"include_current.txt":         "bot|1|0\ncaf\xe9 browser|1|0\n\"quoted|agent\"|1|0\n",
		"exclude_current.txt":         "oldbot|1||0|0|0|01/31/2020\nsleepybot|0||0|1|0|06/30/2030\ndeadbot|0||0|0|0\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := `{"schema":"iglu:com.snowplowanalytics.snowplow.enrichments/iab_spiders_and_robots_enrichment/jsonschema/1-0-0",
	  "data":{"vendor":"com.snowplowanalytics.snowplow.enrichments","name":"iab_spiders_and_robots_enrichment","enabled":true,"parameters":{
	  "ipFile":{"database":"ip_exclude_current_cidr.txt","uri":"file://` + filepath.ToSlash(dir) + `"},
	  "excludeUseragentFile":{"database":"exclude_current.txt","uri":"` + dir + `"},
	  "includeUseragentFile":{"database":"include_current.txt","uri":"` + dir + `"}}}}`
	list, _, err := LoadConfigs([]json.RawMessage{json.RawMessage(cfg)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(list)
	y := func(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }
	browser := iabContext(false, "BROWSER", "PASSED_ALL", "NONE")
	tests := []struct {
		ua, ip string
		at     time.Time
		want   string
	}{
		{"oldbot/1.0", "10.0.0.1", y(2019), iabContext(true, "ACTIVE_SPIDER_OR_ROBOT", "FAILED_UA_EXCLUDE", "PAGE_IMPRESSIONS")},
		{"oldbot/1.0", "10.0.0.1", y(2021), iabContext(true, "INACTIVE_SPIDER_OR_ROBOT", "FAILED_UA_EXCLUDE", "PAGE_IMPRESSIONS")},
		{"SleepyBot", "10.0.0.1", y(2029), iabContext(true, "ACTIVE_SPIDER_OR_ROBOT", "FAILED_UA_EXCLUDE", "AD_IMPRESSIONS")},
		{"SleepyBot", "10.0.0.1", y(2031), iabContext(true, "INACTIVE_SPIDER_OR_ROBOT", "FAILED_UA_EXCLUDE", "AD_IMPRESSIONS")},
		{"deadbot", "10.0.0.1", y(2021), browser},
		{"Café Browser/3", "10.0.0.1", y(2021), browser},
		{"a quoted|agent", "10.0.0.1", y(2021), browser},
		{"bot", "2001:db8:bad:1::1", y(2021), iabContext(true, "SPIDER_OR_ROBOT", "FAILED_IP_EXCLUDE", "UNKNOWN")},
		{"bot", "::ffff:10.0.0.1", y(2021), browser},
	}
	for _, tt := range tests {
		if got := runIAB(t, list[0], tt.ua, tt.ip, tt.at); got != tt.want {
			t.Errorf("%s from %s at %s:\n got  %s\nwant %s", tt.ua, tt.ip, tt.at.Format("2006"), got, tt.want)
		}
	}
}
