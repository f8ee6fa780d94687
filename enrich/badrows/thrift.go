package badrows

import (
	"encoding/base64"
	"encoding/binary"

	"github.com/plowbox/plowbox/collector"
)

// Thrift type codes of TBinaryProtocol.
const (
	tStop   = 0
	tI64    = 10
	tString = 11
	tList   = 15
)

// Thrift encodes a collector payload as a TBinaryProtocol CollectorPayload struct with
// the field IDs of collector.md §13, fields in IDL order, nil optional fields omitted.
// len(Thrift(p)) == p.Size().
func Thrift(p *collector.Payload) []byte {
	b := make([]byte, 0, p.Size())
	field := func(typ byte, id int16) {
		b = append(b, typ)
		b = binary.BigEndian.AppendUint16(b, uint16(id))
	}
	str := func(id int16, s string) {
		field(tString, id)
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	opt := func(id int16, s *string) {
		if s != nil {
			str(id, *s)
		}
	}
	str(31337, p.Schema)
	str(100, p.IPAddress)
	field(tI64, 200)
	b = binary.BigEndian.AppendUint64(b, uint64(p.Timestamp.UnixMilli()))
	str(210, p.Encoding)
	str(220, p.Collector)
	opt(300, p.UserAgent)
	opt(310, p.RefererURI)
	str(320, p.Path)
	str(330, p.Querystring)
	opt(340, p.Body)
	if p.Headers != nil {
		field(tList, 350)
		b = append(b, tString)
		b = binary.BigEndian.AppendUint32(b, uint32(len(p.Headers)))
		for _, h := range p.Headers {
			b = binary.BigEndian.AppendUint32(b, uint32(len(h)))
			b = append(b, h...)
		}
	}
	opt(360, p.ContentType)
	opt(400, p.Hostname)
	opt(410, p.NetworkUserID)
	return append(b, tStop)
}

// ThriftBase64 is the payload of a collector_payload_format_violation: the standard,
// padded base64 of Thrift(p).
func ThriftBase64(p *collector.Payload) string {
	return base64.StdEncoding.EncodeToString(Thrift(p))
}
