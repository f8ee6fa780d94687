package event

import (
	"bytes"
	"reflect"
	"testing"
)

func TestEventBinaryRoundTrip(t *testing.T) {
	evs := canonicalEvents()
	evs = append(evs, struct {
		name string
		ev   *Event
	}{"empty", &Event{}})
	for _, tc := range evs {
		b, err := tc.ev.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Event
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if back != *tc.ev {
			t.Errorf("%s: round trip changed the event", tc.name)
		}
	}
}

func TestEventUnmarshalBinaryErrors(t *testing.T) {
	tests := map[string][]byte{
		"empty":          {},
		"bad version":    {9},
		"index range":    {1, 131, 1, 'a'},
		"out of order":   {1, 5, 1, 'a', 4, 1, 'b'},
		"duplicate":      {1, 5, 1, 'a', 5, 1, 'b'},
		"truncated":      {1, 5, 3, 'a'},
		"empty value":    {1, 5, 0},
		"bad uvarint":    {1, 0x80},
		"missing length": {1, 5},
	}
	for name, b := range tests {
		var e Event
		if err := e.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParamsAndRawEventBinaryRoundTrip(t *testing.T) {
	v1, v2 := "pv", ""
	raw := RawEvent{Vendor: "com.snowplowanalytics.snowplow", Version: "tp2",
		Params: Params{{Name: "e", Value: &v1}, {Name: "empty", Value: &v2}, {Name: "novalue"}, {Name: "", Value: &v1}}}
	b, err := raw.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back RawEvent
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, raw) {
		t.Errorf("raw event round trip: got %+v, want %+v", back, raw)
	}
	var ps Params
	if err := ps.UnmarshalBinary(append(b, 0)); err == nil {
		t.Error("Params.UnmarshalBinary accepted a raw event encoding")
	}
	pb, _ := raw.Params.MarshalBinary()
	if err := ps.UnmarshalBinary(pb); err != nil || !reflect.DeepEqual(ps, raw.Params) {
		t.Errorf("params round trip: %v, %v", ps, err)
	}
	if err := back.UnmarshalBinary(b[:len(b)-1]); err == nil {
		t.Error("truncated raw event accepted")
	}
}

func FuzzEventBinary(f *testing.F) {
	for _, tc := range canonicalEvents() {
		b, _ := tc.ev.MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte{1, 0x80, 0x01, 1, 'a'})
	f.Fuzz(func(t *testing.T, data []byte) {
		var e Event
		if err := e.UnmarshalBinary(data); err != nil {
			return
		}
		// A decodable encoding is canonical: re-encoding gives the same bytes back
		// (modulo non-minimal uvarints), and decoding that gives the same event.
		b, _ := e.MarshalBinary()
		var back Event
		if err := back.UnmarshalBinary(b); err != nil || back != e {
			t.Fatalf("re-decode: %v", err)
		}
		b2, _ := back.MarshalBinary()
		if !bytes.Equal(b, b2) {
			t.Fatal("encoding is not stable")
		}
	})
}

func FuzzParamsBinary(f *testing.F) {
	f.Add("e", "pv", true, "aid", "", false)
	f.Add("", "\x00\xff", true, "x", "y", true)
	f.Fuzz(func(t *testing.T, n1, v1 string, has1 bool, n2, v2 string, has2 bool) {
		ps := Params{{Name: n1}, {Name: n2}}
		if has1 {
			ps[0].Value = &v1
		}
		if has2 {
			ps[1].Value = &v2
		}
		raw := RawEvent{Vendor: n2, Version: v1, Params: ps}
		b, _ := raw.MarshalBinary()
		var back RawEvent
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, raw) {
			t.Fatalf("got %+v, want %+v", back, raw)
		}
		var junk RawEvent
		_ = junk.UnmarshalBinary(append([]byte(n1), v1...)) // must not panic
	})
}
