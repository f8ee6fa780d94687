package enrichments

import (
	"context"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/enrich/event"
)

func TestIPLookups(t *testing.T) {
	en := loadFixture(t, "ip_lookups.good.json", Options{DataDir: dataDir(t)})
	tests := []struct {
		ip     string
		fields map[string]string
		ctx    string
	}{
		{"81.2.69.142", map[string]string{"geo_country": "GB", "geo_region": "ENG", "geo_city": "London", "geo_zipcode": "",
			"geo_latitude": "51.5142", "geo_longitude": "-0.0931", "geo_region_name": "England", "geo_timezone": "Europe/London"}, ""},
		{"2001:218::1", map[string]string{"geo_country": "JP", "geo_city": "", "geo_latitude": "35.68536", "geo_longitude": "139.7531",
			"geo_timezone": "Asia/Tokyo"}, ""},
		{"1.128.0.1", map[string]string{"ip_isp": "Telstra Internet", "ip_organization": "Telstra Internet"},
			`{"schema":"iglu:com.snowplowanalytics.snowplow/asn/jsonschema/1-0-1","data":{"number":1221,"organization":"Telstra Pty Ltd"}}`},
		{"1.2.0.1", map[string]string{"ip_domain": "maxmind.com"}, ""},
		{"1.0.128.1", map[string]string{"ip_netspeed": "Cable/DSL"}, ""},
		{"10.0.0.1", map[string]string{"geo_country": "", "ip_isp": ""}, ""},
		{"unknown", map[string]string{"geo_country": ""}, ""},
	}
	for _, tt := range tests {
		e := newEvent(t, map[string]string{"user_ipaddress": tt.ip})
		ctxs, err := en.Enrich(context.Background(), e, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.ip, err)
		}
		for k, want := range tt.fields {
			if got := e.Get(fieldByName(k)); got != want {
				t.Errorf("%s: %s = %q, want %q", tt.ip, k, got, want)
			}
		}
		if got := strings.Join(strs(ctxs), ","); got != tt.ctx {
			t.Errorf("%s: contexts %s, want %s", tt.ip, got, tt.ctx)
		}
		if e.Get(event.UserIPAddress) != tt.ip {
			t.Errorf("%s: user_ipaddress changed", tt.ip)
		}
	}
}

func TestJavaFloat(t *testing.T) {
	for in, want := range map[float64]string{51.5142: "51.5142", -0.0931: "-0.0931", 37: "37.0", 0: "0.0", 0.0001: "1.0E-4", 12345678: "1.2345678E7"} {
		if got := JavaFloat(in); got != want {
			t.Errorf("JavaFloat(%v) = %s, want %s", in, got, want)
		}
	}
}
