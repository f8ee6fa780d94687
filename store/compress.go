package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
)

// Bodies of records and payloads (everything after their small uncompressed header) are
// stored behind a one-byte tag: raw, or compressed with zstd. Once a store has trained its
// dictionary (dict.go), new bodies are compressed with it; each zstd frame names the
// dictionary it needs, so bodies written before still decode.
const (
	bodyRaw  = 0
	bodyZstd = 1
)

// minCompress is the smallest body that is compressed.
const minCompress = 32

// maxBody caps the decompressed size of one body, so that a corrupt value cannot make a
// read allocate without bound.
const maxBody = 64 << 20

// compressor compresses and decompresses stored bodies. A Store owns one; it is safe for
// concurrent use. Its encoder and decoder are replaced, never changed, when the store
// gains a dictionary: a body being compressed meanwhile uses the old one or the new one,
// and both decode.
type compressor struct {
	encoders int
	enc      atomic.Pointer[zstd.Encoder] // compresses with the current dictionary, if any
	dec      atomic.Pointer[zstd.Decoder] // knows every dictionary of the store
	dictID   atomic.Uint32                // the current dictionary; 0 for none

	mu    sync.Mutex // guards dicts and old, for useDict and close
	dicts [][]byte   // every dictionary of the store
	old   []func()   // closes replaced encoders and decoders, at close

	train   atomic.Bool    // set once training has started (dict.go)
	done    sync.WaitGroup // training under way
	trained chan struct{}  // closed when training has ended, trained or not
}

// newCompressor returns a compressor without a dictionary, tuned for values of a few
// kilobytes: the fastest level, no checksum (bbolt values are not torn by crashes),
// lazily allocated state. Encoding uses encoders goroutine slots, decoding one per CPU.
func newCompressor(encoders int) (*compressor, error) {
	c := &compressor{encoders: encoders, trained: make(chan struct{})}
	if err := c.install(nil); err != nil {
		return nil, err
	}
	return c, nil
}

// install replaces the encoder and decoder: the decoder knows c.dicts, the encoder
// compresses with dict (nil for none). The decoder goes first, so that no body is ever
// compressed with a dictionary the decoder does not know. The caller holds c.mu, or has
// c to itself.
func (c *compressor) install(dict []byte) error {
	eopts := []zstd.EOption{
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(c.encoders),
		zstd.WithEncoderCRC(false),
		zstd.WithLowerEncoderMem(true),
		zstd.WithWindowSize(1 << 17),
	}
	if dict != nil {
		eopts = append(eopts, zstd.WithEncoderDict(dict))
	}
	enc, err := zstd.NewWriter(nil, eopts...)
	if err != nil {
		return fmt.Errorf("create zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(maxBody),
		zstd.WithDecoderDicts(c.dicts...),
	)
	if err != nil {
		enc.Close()
		return fmt.Errorf("create zstd decoder: %w", err)
	}
	if old := c.dec.Swap(dec); old != nil {
		c.old = append(c.old, old.Close)
	}
	if old := c.enc.Swap(enc); old != nil {
		c.old = append(c.old, func() { old.Close() })
	}
	return nil
}

// close releases the compressor's resources; the caller has waited for training
// (c.done) to end.
func (c *compressor) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enc.Load().Close()
	c.dec.Load().Close()
	for _, f := range c.old {
		f()
	}
	c.old = nil
}

// appendBody appends the tag and body, compressed when that makes it smaller.
func (c *compressor) appendBody(b, body []byte) []byte {
	if len(body) >= minCompress {
		n := len(b)
		b = c.enc.Load().EncodeAll(body, append(b, bodyZstd))
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
		if len(b) == 1 {
			return nil, fmt.Errorf("decompress: empty frame: %w", errCorrupt)
		}
		out, err := c.dec.Load().DecodeAll(b[1:], buf[:0])
		if errors.Is(err, zstd.ErrUnknownDictionary) {
			return nil, fmt.Errorf("decompress: the body needs zstd dictionary %d, which the store does not have: %w", frameDictID(b[1:]), errCorrupt)
		}
		if err != nil {
			return nil, fmt.Errorf("decompress: %w: %w", errCorrupt, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("body tag %d: %w", b[0], errCorrupt)
}

// frameDictID is the dictionary a zstd frame names; 0 for none or an unreadable header.
func frameDictID(frame []byte) uint32 {
	var h zstd.Header
	if h.Decode(frame) != nil {
		return 0
	}
	return h.DictionaryID
}
