package badrows

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
)

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte { return event.AppendJSONString(dst, s) }

// appendOpt appends s as a JSON string, or null when s is nil.
func appendOpt(dst []byte, s *string) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	return appendString(dst, *s)
}

// appendParams appends name/value pairs as [{"name":…,"value":…|null},…], capped.
func appendParams(dst []byte, ps event.Params) []byte {
	dst = append(dst, '[')
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = appendString(dst, truncate(p.Name, capParam))
		dst = append(dst, `,"value":`...)
		dst = appendOpt(dst, truncatePtr(p.Value, capParam))
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendHeaders appends the header list (or null), each entry capped.
func appendHeaders(dst []byte, hs []string) []byte {
	if hs == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, h := range hs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, truncate(h, capHeader))
	}
	return append(dst, ']')
}

// AppendCollectorPayload appends the bad-row form of a collector payload (bad-rows.md
// §4.1): the API from the path, the decoded query string as name/value pairs, and the
// request metadata; absent values are null. vendor and version are used when the path
// names no API.
func AppendCollectorPayload(dst []byte, cp *collector.Payload, vendor, version string) []byte {
	if v, ver, ok := cp.API(); ok {
		vendor, version = v, ver
	}
	qs, err := event.ParseQuery(cp.Querystring)
	if err != nil {
		qs = nil
	}
	dst = append(dst, `{"vendor":`...)
	dst = appendString(dst, truncate(vendor, capVendor))
	dst = append(dst, `,"version":`...)
	dst = appendString(dst, truncate(version, capVersion))
	dst = append(dst, `,"querystring":`...)
	dst = appendParams(dst, qs)
	dst = append(dst, `,"contentType":`...)
	dst = appendOpt(dst, truncatePtr(cp.ContentType, capContentType))
	dst = append(dst, `,"body":`...)
	dst = appendOpt(dst, cp.Body)
	dst = append(dst, `,"collector":`...)
	dst = appendString(dst, truncate(cp.Collector, capCollector))
	dst = append(dst, `,"encoding":`...)
	dst = appendString(dst, truncate(cp.Encoding, capEncoding))
	dst = append(dst, `,"hostname":`...)
	dst = appendOpt(dst, truncatePtr(cp.Hostname, capHostname))
	dst = append(dst, `,"timestamp":`...)
	dst = appendTimestamp(dst, cp)
	dst = append(dst, `,"ipAddress":`...)
	dst = appendString(dst, truncate(cp.IPAddress, capIPAddress))
	dst = append(dst, `,"useragent":`...)
	dst = appendOpt(dst, truncatePtr(cp.UserAgent, capUserAgent))
	dst = append(dst, `,"refererUri":`...)
	dst = appendOpt(dst, truncatePtr(cp.RefererURI, capReferer))
	dst = append(dst, `,"headers":`...)
	dst = appendHeaders(dst, cp.Headers)
	dst = append(dst, `,"networkUserId":`...)
	dst = appendOpt(dst, cp.NetworkUserID)
	return append(dst, '}')
}

// appendTimestamp appends the payload's receipt time in ISO form, or null when unset.
func appendTimestamp(dst []byte, cp *collector.Payload) []byte {
	if cp.Timestamp.IsZero() {
		return append(dst, "null"...)
	}
	return appendString(dst, event.FormatISO(cp.Timestamp))
}

// AppendRawEvent appends the bad-row form of a raw event (bad-rows.md §4.2): vendor,
// version, parameters, then the metadata of the payload it came from (null when the raw
// event has no payload). loaderName is the collector name and userId the nuid.
func AppendRawEvent(dst []byte, raw *event.RawEvent) []byte {
	cp := raw.Payload
	if cp == nil {
		cp = &collector.Payload{}
	}
	dst = append(dst, `{"vendor":`...)
	dst = appendString(dst, truncate(raw.Vendor, capVendor))
	dst = append(dst, `,"version":`...)
	dst = appendString(dst, truncate(raw.Version, capVersion))
	dst = append(dst, `,"parameters":`...)
	dst = appendParams(dst, raw.Params)
	dst = append(dst, `,"contentType":`...)
	dst = appendOpt(dst, truncatePtr(cp.ContentType, capContentType))
	dst = append(dst, `,"loaderName":`...)
	dst = appendString(dst, truncate(cp.Collector, capCollector))
	dst = append(dst, `,"encoding":`...)
	enc := cp.Encoding
	if enc == "" {
		enc = "UTF-8"
	}
	dst = appendString(dst, truncate(enc, capEncoding))
	dst = append(dst, `,"hostname":`...)
	dst = appendOpt(dst, truncatePtr(cp.Hostname, capHostname))
	dst = append(dst, `,"timestamp":`...)
	dst = appendTimestamp(dst, cp)
	dst = append(dst, `,"ipAddress":`...)
	if raw.Payload == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendString(dst, truncate(cp.IPAddress, capIPAddress))
	}
	dst = append(dst, `,"useragent":`...)
	dst = appendOpt(dst, truncatePtr(cp.UserAgent, capUserAgent))
	dst = append(dst, `,"refererUri":`...)
	dst = appendOpt(dst, truncatePtr(cp.RefererURI, capReferer))
	dst = append(dst, `,"headers":`...)
	dst = appendHeaders(dst, cp.Headers)
	dst = append(dst, `,"userId":`...)
	dst = appendOpt(dst, cp.NetworkUserID)
	return append(dst, '}')
}
