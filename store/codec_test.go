package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// testCompressor returns a compressor released when the test ends.
func testCompressor(t testing.TB) *compressor {
	t.Helper()
	z, err := newCompressor(1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(z.close)
	return z
}

func TestRecordRoundTrip(t *testing.T) {
	z := testCompressor(t)
	full := out(enrich.StageValidation, "full")
	for f := range event.NumFields {
		full.Event.Set(event.Field(f), "v\t\"é\"\n"+string(rune('a'+f%26)))
	}
	tests := []struct {
		name string
		o    enrich.Output
	}{
		{"good", out(enrich.StageGood, "a")},
		{"validation with every field", full},
		{"adapter", out(enrich.StageAdapter, "b")},
		{"size", out(enrich.StageSize, "c")},
		{"empty raw and event", enrich.Output{Stage: enrich.StageGood, Raw: &event.RawEvent{}, Event: new(event.Event)}},
		{"empty bad row", enrich.Output{Stage: enrich.StageLoad, BadRow: []byte{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := z.appendRecord(nil, &tt.o, 300)
			var rec Record
			ps, err := z.decodeRecord(b, &rec)
			if err != nil {
				t.Fatal(err)
			}
			if ps != 300 {
				t.Errorf("payload seq = %d, want 300", ps)
			}
			got := enrich.Output{Stage: rec.Stage, Raw: rec.Raw, Event: rec.Event, BadRow: rec.BadRow}
			if !reflect.DeepEqual(got, tt.o) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.o)
			}
			for n := range len(b) {
				if _, err := z.decodeRecord(b[:n], new(Record)); err == nil {
					t.Fatalf("decoding %d of %d bytes succeeded", n, len(b))
				}
			}
		})
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	z := testCompressor(t)
	tests := []struct {
		name string
		p    *collector.Payload
	}{
		{"full", testPayload(7)},
		{"zero", &collector.Payload{}},
		{"empty headers", &collector.Payload{Headers: []string{}, Timestamp: time.Unix(1, 999_999_999).UTC()}},
		{"before 1970", &collector.Payload{Timestamp: time.Date(1601, 1, 1, 0, 0, 0, 5, time.UTC), Body: ptr("")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := z.appendPayload(nil, tt.p)
			got, err := z.decodePayload(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.p) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.p)
			}
			ts, err := payloadTime(b)
			if err != nil || !ts.Equal(tt.p.Timestamp) {
				t.Errorf("payloadTime = %v, %v; want %v", ts, err, tt.p.Timestamp)
			}
			for n := range len(b) {
				if _, err := z.decodePayload(b[:n]); err == nil {
					t.Fatalf("decoding %d of %d bytes succeeded", n, len(b))
				}
			}
		})
	}
}

func TestDecodeRejectsUnknownVersion(t *testing.T) {
	z := testCompressor(t)
	b := z.appendRecord(nil, &enrich.Output{Stage: enrich.StageLoad, BadRow: []byte("x")}, 1)
	b[0] = recordVersion + 1
	if _, err := z.decodeRecord(b, new(Record)); err == nil {
		t.Error("record of a newer encoding decoded")
	}
	p := z.appendPayload(nil, testPayload(1))
	p[0] = payloadVersion + 1
	if _, err := z.decodePayload(p); err == nil {
		t.Error("payload of a newer encoding decoded")
	}
}

func TestRecordReplayOf(t *testing.T) {
	z := testCompressor(t)
	o := out(enrich.StageGood, "r")
	b := z.appendReplayRecord(nil, &o, 7, 1<<40)
	var rec Record
	if ps, err := z.decodeRecord(b, &rec); err != nil || ps != 7 || rec.ReplayOf != 1<<40 {
		t.Fatalf("decode = %d, %v, ReplayOf %d; want 7, nil, %d", ps, err, rec.ReplayOf, uint64(1<<40))
	}
	if h, err := recordHead(b); err != nil || h.stage != enrich.StageGood || h.payloadSeq != 7 || string(h.eventID) != o.Event.Get(event.EventID) {
		t.Errorf("recordHead = %+v, %v", h, err)
	}
	for name, mutate := range map[string]func([]byte){
		"unknown flag": func(b []byte) { b[0] |= 1 << 6 },
		"replayOf 0":   func(b []byte) { b[1] = 0 },
	} {
		body := appendRecordBody(nil, &o, 5)
		mutate(body)
		// Both forms of the body: raw and compressed.
		for _, tag := range []byte{bodyRaw, bodyZstd} {
			c := []byte{recordVersion, byte(enrich.StageGood), 7, 0, tag}
			if tag == bodyZstd {
				c = z.enc.Load().EncodeAll(body, c)
			} else {
				c = append(c, body...)
			}
			if _, err := z.decodeRecord(c, new(Record)); err == nil {
				t.Errorf("%s, tag %d: decoding succeeded", name, tag)
			}
		}
	}
}
