package enrichments

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/enrich"
)

// The _sp parameter of the JavaScript tracker's cross-domain linker becomes a
// cross_navigation entity; an _sp without a user id or timestamp gives none.
func TestCrossNavigation(t *testing.T) {
	en := loadFixture(t, "cross_navigation_config.good.json", Options{})
	if info := en.Info(); info.Step != enrich.StepCrossDomain || info.Identifier != "cross-navigation" {
		t.Errorf("info %+v", info)
	}
	const prefix = `{"schema":"iglu:com.snowplowanalytics.snowplow/cross_navigation/jsonschema/1-0-0","data":`
	for _, tc := range []struct{ query, want string }{
		{"_sp=abc.1700000000000", prefix + `{"domain_user_id":"abc","timestamp":"2023-11-14T22:13:20.000Z","session_id":null,"user_id":null,"source_id":null,"source_platform":null,"reason":null}}`},
		{"utm_source=x&_sp=7c6a.1700000000123.0e0c5e5e-8a5b-4c3f-9d2e-1f2a3b4c5d6e." + b64url("jane@example.com") + "." + b64url("shop-web") + ".web." + b64url("checkout link"),
			prefix + `{"domain_user_id":"7c6a","timestamp":"2023-11-14T22:13:20.123Z","session_id":"0e0c5e5e-8a5b-4c3f-9d2e-1f2a3b4c5d6e","user_id":"jane@example.com","source_id":"shop-web","source_platform":"web","reason":"checkout link"}}`},
		{"_sp=abc.1700000000000....", prefix + `{"domain_user_id":"abc","timestamp":"2023-11-14T22:13:20.000Z","session_id":null,"user_id":null,"source_id":null,"source_platform":null,"reason":null}}`},
		{"_sp=abc.1700000000000.." + b64("jane"), prefix + `{"domain_user_id":"abc","timestamp":"2023-11-14T22:13:20.000Z","session_id":null,"user_id":"jane","source_id":null,"source_platform":null,"reason":null}}`},
		{"_sp=abc", ""},
		{"_sp=abc.yesterday", ""},
		{"_sp=.1700000000000", ""},
		{"q=1", ""},
		{"", ""},
	} {
		e := newEvent(t, map[string]string{"page_urlquery": tc.query})
		ctxs, err := en.Enrich(context.Background(), e, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(strs(ctxs), ","); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.query, got, tc.want)
		}
	}
}

// asn_lookups adds likelyBot to the asn entity ip_lookups derived: true for an ASN of
// the CSV or the inline list, false otherwise, nothing for a bypassed platform.
func TestASNLookups(t *testing.T) {
	data := dataDir(t)
	ip := loadFixture(t, "ip_lookups.good.json", Options{DataDir: data})
	asn := loadFixture(t, "asn_lookups.good.json", Options{DataDir: data})
	const telstra = `{"schema":"iglu:com.snowplowanalytics.snowplow/asn/jsonschema/1-0-1","data":{"number":1221,"organization":"Telstra Pty Ltd"`
	for _, tc := range []struct {
		platform, ip string
		bots         map[int64]bool
		want         string
	}{
		{"web", "1.128.0.1", nil, telstra + `,"likelyBot":true}}`},
		{"srv", "1.128.0.1", nil, telstra + `}}`},
		{"web", "1.128.0.1", map[int64]bool{64512: true}, telstra + `,"likelyBot":false}}`},
		{"web", "81.2.69.142", nil, ""},
	} {
		e := newEvent(t, map[string]string{"user_ipaddress": tc.ip, "platform": tc.platform})
		derived, err := ip.Enrich(context.Background(), e, nil)
		if err != nil {
			t.Fatal(err)
		}
		en := asn
		if tc.bots != nil {
			en = &asnLookups{base: asn.(*asnLookups).base, bots: tc.bots}
		}
		in := &enrich.Input{Derived: derived}
		if ctxs, err := en.Enrich(context.Background(), e, in); err != nil || len(ctxs) != 0 {
			t.Fatalf("asn_lookups derived %v, %v: want nothing of its own", ctxs, err)
		}
		if got := strings.Join(strs(in.Derived), ","); got != tc.want {
			t.Errorf("%s %s:\n got %s\nwant %s", tc.platform, tc.ip, got, tc.want)
		}
	}
}

// b64url encodes s as the trackers do: base64url without padding.
func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
