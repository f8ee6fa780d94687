package enrichments

import (
	"context"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// anonIP is the anon_ip enrichment (enrichments.md §3.3).
type anonIP struct {
	base
	octets, segments int
}

// anonIPParams are the parameters of anon_ip.
type anonIPParams struct {
	AnonOctets   *float64 `json:"anonOctets"`
	AnonSegments *float64 `json:"anonSegments"`
}

// buildAnonIP checks an anon_ip config.
func buildAnonIP(_ *builder, c *config) (enrich.Enrichment, error) {
	var p anonIPParams
	if err := c.params(&p); err != nil {
		return nil, err
	}
	if p.AnonOctets == nil {
		return nil, fieldErr("anonOctets", "is required")
	}
	octets, err := intIn(*p.AnonOctets, 1, 4)
	if err != nil {
		return nil, fieldErr("anonOctets", "%v", err)
	}
	segments := octets
	if p.AnonSegments != nil {
		if segments, err = intIn(*p.AnonSegments, 1, 8); err != nil {
			return nil, fieldErr("anonSegments", "%v", err)
		}
	}
	return &anonIP{base: newBase(c, 24), octets: octets, segments: segments}, nil
}

// intIn checks that n is a whole number in [lo, hi].
func intIn(n float64, lo, hi int) (int, error) {
	if n < float64(lo) || n > float64(hi) {
		return 0, errorf("must be from %d to %d, not %s", lo, hi, strconv.FormatFloat(n, 'f', -1, 64))
	}
	if n != float64(int(n)) {
		return 0, errorf("must be a whole number from %d to %d, not %s", lo, hi, strconv.FormatFloat(n, 'f', -1, 64))
	}
	return int(n), nil
}

// Enrich implements enrich.Enrichment.
func (a *anonIP) Enrich(_ context.Context, e *event.Event, _ *enrich.Input) ([]json.RawMessage, error) {
	if ip := e.Get(event.UserIPAddress); ip != "" {
		e.Set(event.UserIPAddress, AnonymizeIP(ip, a.octets, a.segments))
	}
	return nil, nil
}

// AnonymizeIP replaces the right-most octets of an IPv4 address, or segments of an IPv6
// address, with "x". An IPv6 address is first expanded to 8 groups without zero padding;
// an IPv4-mapped address keeps its "::ffff:" prefix and has its IPv4 part masked by
// octets. Values that are not IP addresses are returned unchanged.
func AnonymizeIP(ip string, octets, segments int) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil || addr.Zone() != "" {
		return ip
	}
	if addr.Is4() {
		return maskParts(strings.Split(ip, "."), octets, ".")
	}
	if addr.Is4In6() {
		i := strings.LastIndexByte(ip, ':')
		if !strings.Contains(ip[i+1:], ".") { // hex form, e.g. ::ffff:5e0f:df97
			return "::ffff:" + maskParts(strings.Split(addr.Unmap().String(), "."), octets, ".")
		}
		return ip[:i+1] + maskParts(strings.Split(ip[i+1:], "."), octets, ".")
	}
	b := addr.As16()
	parts := make([]string, 8)
	for i := range parts {
		parts[i] = strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16)
	}
	return maskParts(parts, segments, ":")
}

// maskParts replaces the last n parts with "x" and joins them with sep.
func maskParts(parts []string, n int, sep string) string {
	for i := max(len(parts)-n, 0); i < len(parts); i++ {
		parts[i] = "x"
	}
	return strings.Join(parts, sep)
}
