package enrichments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// ASNSchema is the schema of the ip_lookups asn derived context.
const ASNSchema = "iglu:com.snowplowanalytics.snowplow/asn/jsonschema/1-0-1"

// ipLookups is the ip_lookups enrichment (enrichments.md §3.2).
type ipLookups struct {
	base
	geo, isp, domain, conn, asn *maxminddb.Reader

	// mu keeps Close from unmapping a database while a lookup reads it; after Close,
	// lookups find nothing.
	mu     sync.RWMutex
	closed bool
}

// ipLookupsParams are the parameters of ip_lookups 2-0-*.
type ipLookupsParams struct {
	Geo            *asset `json:"geo"`
	ISP            *asset `json:"isp"`
	Domain         *asset `json:"domain"`
	ConnectionType *asset `json:"connectionType"`
	ASN            *asset `json:"asn"`
}

// buildIPLookups checks an ip_lookups config and opens its databases.
func buildIPLookups(b *builder, c *config) (_ enrich.Enrichment, err error) {
	var p ipLookupsParams
	if err := c.params(&p); err != nil {
		return nil, err
	}
	l := &ipLookups{base: newBase(c, 18)}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	dbs := []struct {
		key     string
		a       *asset
		allowed []string
		r       **maxminddb.Reader
	}{
		{"geo", p.Geo, []string{"GeoLite2-City.mmdb", "GeoIP2-City.mmdb"}, &l.geo},
		{"isp", p.ISP, []string{"GeoIP2-ISP.mmdb"}, &l.isp},
		{"domain", p.Domain, []string{"GeoIP2-Domain.mmdb"}, &l.domain},
		{"connectionType", p.ConnectionType, []string{"GeoIP2-Connection-Type.mmdb"}, &l.conn},
		{"asn", p.ASN, []string{"GeoLite2-ASN.mmdb"}, &l.asn},
	}
	for _, d := range dbs {
		if d.a == nil {
			continue
		}
		if err := d.a.check(d.key, true, d.allowed...); err != nil {
			return nil, err
		}
		path, err := b.resolve("parameters."+d.key, *d.a)
		if err != nil {
			return nil, err
		}
		r, err := maxminddb.Open(path)
		if err != nil {
			return nil, fmt.Errorf("parameters.%s: open MaxMind database %s: %w", d.key, path, err)
		}
		*d.r = r
	}
	return l, nil
}

// Close closes the databases once the lookups in flight are done.
func (l *ipLookups) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var errs []error
	for _, r := range []*maxminddb.Reader{l.geo, l.isp, l.domain, l.conn, l.asn} {
		if r != nil {
			errs = append(errs, r.Close())
		}
	}
	return errors.Join(errs...)
}

// cityRecord is the part of a City database record ip_lookups uses.
type cityRecord struct {
	City struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"city"`
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
		TimeZone  string   `maxminddb:"time_zone"`
	} `maxminddb:"location"`
	Postal struct {
		Code string `maxminddb:"code"`
	} `maxminddb:"postal"`
	Subdivisions []struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
}

// ispRecord is an ISP database record.
type ispRecord struct {
	ISP          string `maxminddb:"isp"`
	Organization string `maxminddb:"organization"`
}

// asnRecord is an ASN database record.
type asnRecord struct {
	Number       *uint32 `maxminddb:"autonomous_system_number"`
	Organization *string `maxminddb:"autonomous_system_organization"`
}

// Enrich implements enrich.Enrichment. Misses and lookup errors are silent.
func (l *ipLookups) Enrich(_ context.Context, e *event.Event, _ *enrich.Input) ([]json.RawMessage, error) {
	addr, ok := parseIP(e.Get(event.UserIPAddress))
	if !ok {
		return nil, nil
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, nil
	}
	if l.geo != nil {
		var rec cityRecord
		if res := l.geo.Lookup(addr); res.Found() && res.Decode(&rec) == nil {
			setGeo(e, &rec)
		}
	}
	if l.isp != nil {
		var rec ispRecord
		if res := l.isp.Lookup(addr); res.Found() && res.Decode(&rec) == nil {
			e.Set(event.IPIsp, event.CleanTSV(rec.ISP))
			e.Set(event.IPOrganization, event.CleanTSV(rec.Organization))
		}
	}
	if l.domain != nil {
		var dom string
		if res := l.domain.Lookup(addr); res.Found() && res.DecodePath(&dom, "domain") == nil {
			e.Set(event.IPDomain, event.CleanTSV(dom))
		}
	}
	if l.conn != nil {
		var ct string
		if res := l.conn.Lookup(addr); res.Found() && res.DecodePath(&ct, "connection_type") == nil {
			e.Set(event.IPNetspeed, event.CleanTSV(ct))
		}
	}
	if l.asn != nil {
		var rec asnRecord
		if res := l.asn.Lookup(addr); res.Found() && res.Decode(&rec) == nil && rec.Number != nil {
			b := []byte(`{"schema":"` + ASNSchema + `","data":{"number":`)
			b = strconv.AppendUint(b, uint64(*rec.Number), 10)
			b = append(b, `,"organization":`...)
			if rec.Organization == nil {
				b = append(b, "null"...)
			} else {
				b = event.AppendJSONString(b, *rec.Organization)
			}
			return []json.RawMessage{append(b, "}}"...)}, nil
		}
	}
	return nil, nil
}

// setGeo writes the geo_* fields of a City record.
func setGeo(e *event.Event, rec *cityRecord) {
	e.Set(event.GeoCountry, event.CleanTSV(rec.Country.ISOCode))
	if len(rec.Subdivisions) > 0 {
		e.Set(event.GeoRegion, event.CleanTSV(rec.Subdivisions[0].ISOCode))
		e.Set(event.GeoRegionName, event.CleanTSV(rec.Subdivisions[0].Names["en"]))
	}
	e.Set(event.GeoCity, event.CleanTSV(rec.City.Names["en"]))
	e.Set(event.GeoZipcode, event.CleanTSV(rec.Postal.Code))
	if rec.Location.Latitude != nil && rec.Location.Longitude != nil {
		e.Set(event.GeoLatitude, JavaFloat(*rec.Location.Latitude))
		e.Set(event.GeoLongitude, JavaFloat(*rec.Location.Longitude))
	}
	e.Set(event.GeoTimezone, event.CleanTSV(rec.Location.TimeZone))
}

// parseIP parses an IP address, also in host:port or [v6]:port form.
func parseIP(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	return netip.Addr{}, false
}
