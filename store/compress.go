package store

import (
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// Bodies of records and payloads (everything after their small uncompressed header) are
// stored behind a one-byte tag: raw, or compressed with zstd. Small bodies stay raw, as
// compression would not pay for its frame header.
const (
	bodyRaw  = 0
	bodyZstd = 1
)

// minCompress is the smallest body that is compressed.
const minCompress = 128

// maxBody caps the decompressed size of one body, so that a corrupt value cannot make a
// read allocate without bound.
const maxBody = 64 << 20

// compressor compresses and decompresses stored bodies. A Store owns one; it is safe for
// concurrent use.
type compressor struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

// newCompressor returns a compressor tuned for values of a few kilobytes: the fastest
// level, no checksum (bbolt values are not torn by crashes), lazily allocated state.
// Encoding uses encoders goroutine slots, decoding one per CPU.
func newCompressor(encoders int) (*compressor, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(encoders),
		zstd.WithEncoderCRC(false),
		zstd.WithLowerEncoderMem(true),
		zstd.WithWindowSize(1<<17),
	)
	if err != nil {
		return nil, fmt.Errorf("create zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(maxBody),
	)
	if err != nil {
		enc.Close()
		return nil, fmt.Errorf("create zstd decoder: %w", err)
	}
	return &compressor{enc: enc, dec: dec}, nil
}

// close releases the compressor's resources.
func (c *compressor) close() {
	c.enc.Close()
	c.dec.Close()
}

// appendBody appends the tag and body, compressed when that makes it smaller.
func (c *compressor) appendBody(b, body []byte) []byte {
	if len(body) >= minCompress {
		n := len(b)
		b = c.enc.EncodeAll(body, append(b, bodyZstd))
		if len(b)-n-1 < len(body) {
			return b
		}
		b = b[:n]
	}
	return append(append(b, bodyRaw), body...)
}

// openBody returns the body stored in b (tag then bytes). A raw body aliases b; a
// compressed one is decompressed into buf's storage.
func (c *compressor) openBody(b, buf []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, errCorrupt
	}
	switch b[0] {
	case bodyRaw:
		return b[1:], nil
	case bodyZstd:
		out, err := c.dec.DecodeAll(b[1:], buf[:0])
		if err != nil {
			return nil, fmt.Errorf("decompress: %w: %w", errCorrupt, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("body tag %d: %w", b[0], errCorrupt)
}
