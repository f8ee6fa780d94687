package enrich

import (
	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich/event"
)

// AppendMicroPayloadJSON appends the Micro JSON form of a collector payload (micro-api.md
// §5.2): api, querystring as "name=value" strings, contentType, body, source and context.
// query is the decoded query string (nil when it could not be decoded).
func AppendMicroPayloadJSON(dst []byte, p *collector.Payload, query event.Params) []byte {
	vendor, version, _ := p.API()
	opt := func(dst []byte, s *string) []byte {
		if s == nil {
			return append(dst, "null"...)
		}
		return event.AppendJSONString(dst, *s)
	}
	dst = append(dst, `{"api":{"vendor":`...)
	dst = event.AppendJSONString(dst, vendor)
	dst = append(dst, `,"version":`...)
	dst = event.AppendJSONString(dst, version)
	dst = append(dst, `},"querystring":[`...)
	for i, q := range query {
		if i > 0 {
			dst = append(dst, ',')
		}
		s := q.Name
		if q.Value != nil {
			s += "=" + *q.Value
		}
		dst = event.AppendJSONString(dst, s)
	}
	dst = append(dst, `],"contentType":`...)
	dst = opt(dst, p.ContentType)
	dst = append(dst, `,"body":`...)
	dst = opt(dst, p.Body)
	dst = append(dst, `,"source":{"name":`...)
	dst = event.AppendJSONString(dst, p.Collector)
	dst = append(dst, `,"encoding":`...)
	dst = event.AppendJSONString(dst, p.Encoding)
	dst = append(dst, `,"hostname":`...)
	dst = opt(dst, p.Hostname)
	dst = append(dst, `},"context":{"timestamp":`...)
	dst = event.AppendJSONString(dst, event.FormatISO(p.Timestamp))
	dst = append(dst, `,"ipAddress":`...)
	dst = event.AppendJSONString(dst, p.IPAddress)
	dst = append(dst, `,"useragent":`...)
	dst = opt(dst, p.UserAgent)
	dst = append(dst, `,"refererUri":`...)
	dst = opt(dst, p.RefererURI)
	dst = append(dst, `,"headers":[`...)
	for i, h := range p.Headers {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = event.AppendJSONString(dst, h)
	}
	dst = append(dst, `],"userId":`...)
	dst = opt(dst, p.NetworkUserID)
	return append(dst, "}}"...)
}
