package store

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestBodyForms(t *testing.T) {
	z := testCompressor(t)
	noise := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	tests := []struct {
		name    string
		body    []byte
		wantTag byte
	}{
		{"empty", nil, bodyRaw},
		{"small", []byte(`{"e":"pv"}`), bodyRaw},
		{"just below the threshold", bytes.Repeat([]byte("a"), minCompress-1), bodyRaw},
		{"json", []byte(strings.Repeat(`{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"x"}},`, 10)), bodyZstd},
		{"incompressible", noise, bodyRaw},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := z.appendBody([]byte("head"), tt.body)
			if string(b[:4]) != "head" || b[4] != tt.wantTag {
				t.Fatalf("prefix %q, tag %d; want head and tag %d", b[:4], b[4], tt.wantTag)
			}
			if tt.wantTag == bodyZstd && len(b)-5 >= len(tt.body)/2 {
				t.Errorf("compressed %d bytes to %d", len(tt.body), len(b)-5)
			}
			got, err := z.openBody(b[4:], nil)
			if err != nil || !bytes.Equal(got, tt.body) {
				t.Errorf("openBody = %q, %v", got, err)
			}
		})
	}
}

func TestOpenBodyRejectsCorruption(t *testing.T) {
	z := testCompressor(t)
	good := z.appendBody(nil, []byte(strings.Repeat("plowbox stores events; ", 20)))
	for name, b := range map[string][]byte{
		"empty":       nil,
		"unknown tag": {7, 1, 2},
		"not zstd":    {bodyZstd, 1, 2, 3, 4, 5, 6, 7, 8},
		"truncated":   good[:len(good)-3],
	} {
		if got, err := z.openBody(b, nil); err == nil {
			t.Errorf("%s: openBody = %q, nil", name, got)
		}
	}
}

// TestPayloadTimeSkipsBody checks that the time of a payload reads without its body:
// retention and Oldest never decompress.
func TestPayloadTimeSkipsBody(t *testing.T) {
	want := time.Date(2026, 4, 2, 10, 0, 0, 5, time.UTC)
	b := append(appendPayloadHead(nil, payloadVersion, want), bodyZstd, 0xde, 0xad)
	if got, err := payloadTime(b); err != nil || !got.Equal(want) {
		t.Errorf("payloadTime = %v, %v; want %v", got, err, want)
	}
}
