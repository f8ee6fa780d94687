package kafka

import (
	"encoding/binary"

	"github.com/plowbox/plowbox/collector"
)

// Thrift TBinaryProtocol type codes
// (https://github.com/apache/thrift/blob/master/doc/specs/thrift-binary-protocol.md).
const (
	thriftStop   = 0
	thriftI64    = 10
	thriftString = 11
	thriftList   = 15
)

// Field ids of Snowplow's CollectorPayload struct, as in the authoritative IDL
// (snowplow/snowplow: 2-collectors/thrift-schemas/collector-payload-1/.../collector-payload.thrift),
// not the stale ids 10, 20, … of the idl string in Iglu Central.
const (
	fieldIPAddress     = 100
	fieldTimestamp     = 200
	fieldEncoding      = 210
	fieldCollector     = 220
	fieldUserAgent     = 300
	fieldRefererURI    = 310
	fieldPath          = 320
	fieldQuerystring   = 330
	fieldBody          = 340
	fieldHeaders       = 350
	fieldContentType   = 360
	fieldHostname      = 400
	fieldNetworkUserID = 410
	fieldSchema        = 31337
)

// MarshalCollectorPayload serialises p as Snowplow's Thrift CollectorPayload with
// TBinaryProtocol, what Snowplow's collector writes to its raw stream and Enrich reads.
// Fields are written in ascending id order, as Thrift's Java code writes them, so that
// the bytes are the collector's own; absent optional fields are left out.
func MarshalCollectorPayload(p *collector.Payload) []byte {
	b := make([]byte, 0, p.Size())
	str := func(id int16, s string) []byte {
		b = fieldHeader(b, thriftString, id)
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		return append(b, s...)
	}
	opt := func(id int16, s *string) {
		if s != nil {
			b = str(id, *s)
		}
	}
	b = str(fieldIPAddress, p.IPAddress)
	b = fieldHeader(b, thriftI64, fieldTimestamp)
	b = binary.BigEndian.AppendUint64(b, uint64(p.Timestamp.UnixMilli()))
	b = str(fieldEncoding, p.Encoding)
	b = str(fieldCollector, p.Collector)
	opt(fieldUserAgent, p.UserAgent)
	opt(fieldRefererURI, p.RefererURI)
	b = str(fieldPath, p.Path)
	b = str(fieldQuerystring, p.Querystring)
	opt(fieldBody, p.Body)
	if p.Headers != nil {
		b = fieldHeader(b, thriftList, fieldHeaders)
		b = append(b, thriftString)
		b = binary.BigEndian.AppendUint32(b, uint32(len(p.Headers)))
		for _, h := range p.Headers {
			b = binary.BigEndian.AppendUint32(b, uint32(len(h)))
			b = append(b, h...)
		}
	}
	opt(fieldContentType, p.ContentType)
	opt(fieldHostname, p.Hostname)
	opt(fieldNetworkUserID, p.NetworkUserID)
	b = str(fieldSchema, p.Schema)
	return append(b, thriftStop)
}

// fieldHeader appends a field's type and id.
func fieldHeader(b []byte, typ byte, id int16) []byte {
	return binary.BigEndian.AppendUint16(append(b, typ), uint16(id))
}
