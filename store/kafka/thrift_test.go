package kafka

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
)

// upstreamPayload is a CollectorPayload written by Snowplow's Scala Stream Collector
// 0.4.0, as quoted (base64) in the Apache-2.0 snowplow/snowplow documentation of Scala
// Kinesis Enrich's stdin mode: a GET /i?e=seZ from curl.
const upstreamPayload = "CwBkAAAACTEyNy4wLjAuMQoAyAAAAU1CI+FjCwDSAAAABVVURi04CwDcAAAAEHNzYy0wLjQuMC1zdGRvdXQLASwAAAALY3VybC83LjMyLjALAUAAAAACL2kLAUoAAAAFZT1zZVoPAV4LAAAAAwAAAAtBY2NlcHQ6ICovKgAAABRIb3N0OiBsb2NhbGhvc3Q6ODA4MAAAABdVc2VyLUFnZW50OiBjdXJsLzcuMzIuMAsBkAAAAAlsb2NhbGhvc3QLAZoAAAAkZTA1MzI0ZWItNzFiYi00YWNlLTk0YTQtZjRiZmQ2OTdkMWNjC3ppAAAAQWlnbHU6Y29tLnNub3dwbG93YW5hbHl0aWNzLnNub3dwbG93L0NvbGxlY3RvclBheWxvYWQvdGhyaWZ0LzEtMC0wAA=="

func ptr(s string) *string { return &s }

func TestMarshalCollectorPayloadMatchesUpstream(t *testing.T) {
	want, err := base64.StdEncoding.DecodeString(upstreamPayload)
	if err != nil {
		t.Fatal(err)
	}
	p, err := unmarshalCollectorPayload(want)
	if err != nil {
		t.Fatal(err)
	}
	wantPayload := &collector.Payload{
		Schema: collector.PayloadSchema, IPAddress: "127.0.0.1", Encoding: "UTF-8", Collector: "ssc-0.4.0-stdout",
		Timestamp: p.Timestamp, UserAgent: ptr("curl/7.32.0"), Path: "/i", Querystring: "e=seZ",
		Headers:  []string{"Accept: */*", "Host: localhost:8080", "User-Agent: curl/7.32.0"},
		Hostname: ptr("localhost"), NetworkUserID: ptr("e05324eb-71bb-4ace-94a4-f4bfd697d1cc"),
	}
	if !reflect.DeepEqual(p, wantPayload) {
		t.Fatalf("decoded upstream payload\n got %+v\nwant %+v", p, wantPayload)
	}
	if got := MarshalCollectorPayload(p); !bytes.Equal(got, want) {
		t.Fatalf("re-encoded payload differs from the collector's bytes\n got %x\nwant %x", got, want)
	}
	if len(want) != p.Size() {
		t.Errorf("Payload.Size() = %d, the Thrift bytes are %d", p.Size(), len(want))
	}
}

func TestMarshalCollectorPayloadRoundTrip(t *testing.T) {
	ts := time.Date(2026, 4, 2, 10, 0, 0, 123e6, time.UTC)
	for name, p := range map[string]*collector.Payload{
		"GET, optional fields absent": {Schema: collector.PayloadSchema, IPAddress: "unknown", Timestamp: ts, Encoding: "UTF-8",
			Collector: "plowbox-1.0.0", Path: "/i", Querystring: ""},
		"POST with every field": {Schema: collector.PayloadSchema, IPAddress: "10.0.0.1", Timestamp: ts, Encoding: "UTF-8",
			Collector: "plowbox-1.0.0", UserAgent: ptr("Mozilla/5.0"), RefererURI: ptr("https://shop.example/é"),
			Path: "/com.snowplowanalytics.snowplow/tp2", Querystring: "a=1", Body: ptr(`{"data":[{"e":"pv"}]}`),
			Headers: []string{}, ContentType: ptr("application/json"), Hostname: ptr("c.example"), NetworkUserID: ptr("nuid")},
	} {
		t.Run(name, func(t *testing.T) {
			b := MarshalCollectorPayload(p)
			if len(b) != p.Size() {
				t.Errorf("%d bytes, Payload.Size() says %d", len(b), p.Size())
			}
			got, err := unmarshalCollectorPayload(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, p) {
				t.Fatalf("round trip\n got %+v\nwant %+v", got, p)
			}
		})
	}
}

// unmarshalCollectorPayload decodes a TBinaryProtocol CollectorPayload, failing on any
// field id or type the IDL does not have: the tests' independent reader.
func unmarshalCollectorPayload(b []byte) (*collector.Payload, error) {
	p := &collector.Payload{}
	r := &thriftReader{b: b}
	strs := map[int16]**string{fieldUserAgent: &p.UserAgent, fieldRefererURI: &p.RefererURI, fieldBody: &p.Body,
		fieldContentType: &p.ContentType, fieldHostname: &p.Hostname, fieldNetworkUserID: &p.NetworkUserID}
	reqs := map[int16]*string{fieldSchema: &p.Schema, fieldIPAddress: &p.IPAddress, fieldEncoding: &p.Encoding,
		fieldCollector: &p.Collector, fieldPath: &p.Path, fieldQuerystring: &p.Querystring}
	for {
		typ := r.byte()
		if typ == thriftStop {
			break
		}
		id := int16(r.u16())
		switch {
		case typ == thriftString && reqs[id] != nil:
			*reqs[id] = r.str()
		case typ == thriftString && strs[id] != nil:
			s := r.str()
			*strs[id] = &s
		case typ == thriftI64 && id == fieldTimestamp:
			p.Timestamp = time.UnixMilli(int64(r.u64())).UTC()
		case typ == thriftList && id == fieldHeaders:
			if et := r.byte(); et != thriftString {
				return nil, fmt.Errorf("headers of element type %d", et)
			}
			n := int(r.u32())
			p.Headers = make([]string, 0, n)
			for range n {
				p.Headers = append(p.Headers, r.str())
			}
		default:
			return nil, fmt.Errorf("unexpected field %d of type %d", id, typ)
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d bytes after the stop byte", len(r.b))
	}
	return p, r.err
}

type thriftReader struct {
	b   []byte
	err error
}

func (r *thriftReader) take(n int) []byte {
	if r.err != nil || len(r.b) < n {
		if r.err == nil {
			r.err = fmt.Errorf("truncated")
		}
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}
func (r *thriftReader) byte() byte  { return r.take(1)[0] }
func (r *thriftReader) u16() uint16 { return binary.BigEndian.Uint16(r.take(2)) }
func (r *thriftReader) u32() uint32 { return binary.BigEndian.Uint32(r.take(4)) }
func (r *thriftReader) u64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }
func (r *thriftReader) str() string { return string(r.take(int(r.u32()))) }
