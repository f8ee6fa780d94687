package badrows

import (
	"encoding/base64"
	"encoding/binary"
	"testing"
)

// readThrift decodes the string, i64 and list<string> fields of a TBinaryProtocol struct
// into a map keyed by field ID (lists joined with "|").
func readThrift(t *testing.T, b []byte) map[int16]any {
	t.Helper()
	out := map[int16]any{}
	u32 := func() int {
		n := int(binary.BigEndian.Uint32(b))
		b = b[4:]
		return n
	}
	str := func() string {
		n := u32()
		s := string(b[:n])
		b = b[n:]
		return s
	}
	for {
		typ := b[0]
		b = b[1:]
		if typ == tStop {
			break
		}
		id := int16(binary.BigEndian.Uint16(b))
		b = b[2:]
		switch typ {
		case tString:
			out[id] = str()
		case tI64:
			out[id] = int64(binary.BigEndian.Uint64(b))
			b = b[8:]
		case tList:
			if b[0] != tString {
				t.Fatalf("list of type %d", b[0])
			}
			b = b[1:]
			n := u32()
			var s string
			for i := range n {
				if i > 0 {
					s += "|"
				}
				s += str()
			}
			out[id] = s
		default:
			t.Fatalf("unexpected type %d", typ)
		}
	}
	if len(b) != 0 {
		t.Fatalf("%d trailing bytes", len(b))
	}
	return out
}

func TestThrift(t *testing.T) {
	full := tp2Payload(`{"a":1}`)
	full.Querystring = "a=1"
	get := tp2Payload("")
	get.Body, get.ContentType, get.UserAgent, get.RefererURI, get.Hostname, get.NetworkUserID, get.Headers = nil, nil, nil, nil, nil, nil, nil
	for _, p := range []struct {
		name string
		n    int
	}{{"full", 14}, {"minimal", 7}} {
		cp := full
		if p.name == "minimal" {
			cp = get
		}
		b := Thrift(cp)
		if len(b) != cp.Size() {
			t.Errorf("%s: len %d, Size() %d", p.name, len(b), cp.Size())
		}
		f := readThrift(t, b)
		if len(f) != p.n {
			t.Errorf("%s: %d fields, want %d", p.name, len(f), p.n)
		}
		if f[31337] != cp.Schema || f[100] != cp.IPAddress || f[200] != cp.Timestamp.UnixMilli() ||
			f[210] != "UTF-8" || f[220] != cp.Collector || f[320] != cp.Path || f[330] != cp.Querystring {
			t.Errorf("%s: required fields wrong: %v", p.name, f)
		}
		if p.name == "full" && (f[340] != `{"a":1}` || f[410] != testNUID || f[360] != *cp.ContentType ||
			f[350] != "Host: collector.acme.com|User-Agent: "+testUA+"|Origin: https://www.acme.com|Referer: https://www.acme.com/|Content-Type: application/json; charset=UTF-8|Cookie: sp="+testNUID+"|X-Forwarded-For: 203.0.113.7|application/json; charset=utf-8") {
			t.Errorf("optional fields wrong: %v", f)
		}
		if d, err := base64.StdEncoding.DecodeString(ThriftBase64(cp)); err != nil || string(d) != string(b) {
			t.Errorf("%s: ThriftBase64 does not decode to Thrift: %v", p.name, err)
		}
	}
}
