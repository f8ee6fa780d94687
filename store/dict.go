package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
)

// A store compresses its records and payloads with a zstd dictionary trained on its own
// first records: a tracker's events repeat the same schemas, URLs, user agents and
// enrichment output, which a dictionary holds once instead of once per record. Bodies
// written before the dictionary existed keep their plain zstd frames and still decode.
//
// Dictionaries live in the dicts bucket under their zstd dictionary ID, which every
// frame compressed with one carries; the meta bucket names the one new bodies use. A
// dictionary is never deleted (Reset and retention leave them): a body compressed just
// before a Reset may still be committed after it.

// trainRecords is the number of records (and as many payloads) a store trains its
// dictionary on, once it holds that many.
const trainRecords = 1000

// dictHistory is the size of a dictionary's content: the most recent training bodies.
const dictHistory = 64 << 10

// dictKey encodes a dictionary ID as a key of the dicts bucket.
func dictKey(id uint32) []byte { return binary.BigEndian.AppendUint32(nil, id) }

// loadDicts makes z know every dictionary of tx's store and compress with its current
// one.
func (z *compressor) loadDicts(tx *bolt.Tx) error {
	var dicts [][]byte
	err := tx.Bucket(bucketDicts).ForEach(func(k, v []byte) error {
		if len(k) != 4 {
			return fmt.Errorf("dictionary key %x: %w", k, errCorrupt)
		}
		info, err := zstd.InspectDictionary(v)
		if err != nil {
			return fmt.Errorf("dictionary %d: %w: %w", binary.BigEndian.Uint32(k), errCorrupt, err)
		}
		if info.ID() != binary.BigEndian.Uint32(k) {
			return fmt.Errorf("dictionary %d has ID %d: %w", binary.BigEndian.Uint32(k), info.ID(), errCorrupt)
		}
		dicts = append(dicts, append([]byte(nil), v...))
		return nil
	})
	if err != nil {
		return err
	}
	id, err := getUint(tx.Bucket(bucketMeta), keyDict)
	if err != nil {
		return err
	}
	var cur []byte
	if id != 0 {
		if cur = tx.Bucket(bucketDicts).Get(dictKey(uint32(id))); cur == nil {
			return fmt.Errorf("the current zstd dictionary %d is missing: %w", id, errCorrupt)
		}
		cur = append([]byte(nil), cur...)
	}
	if len(dicts) == 0 && id == 0 {
		return nil // newCompressor's encoder and decoder, without a dictionary, fit
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	z.dicts = dicts
	if err := z.install(cur); err != nil {
		return err
	}
	z.dictID.Store(uint32(id))
	return nil
}

// useDict adds dictionary dict, of ID id, and compresses with it from now on.
func (z *compressor) useDict(id uint32, dict []byte) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.dicts = append(z.dicts, dict)
	if err := z.install(dict); err != nil {
		z.dicts = z.dicts[:len(z.dicts)-1]
		return err
	}
	z.dictID.Store(id)
	return nil
}

// trainDict builds a dictionary from samples, bodies as the store compresses them, with an
// ID that is none of taken's. Its content is the last samples, up to dictHistory bytes.
func trainDict(samples [][]byte, taken func(id uint32) bool) (uint32, []byte, error) {
	var hist []byte
	for i := len(samples) - 1; i >= 0 && len(hist)+len(samples[i]) <= dictHistory; i-- {
		hist = append(hist, samples[i]...)
	}
	if len(hist) < 8 && len(samples) > 0 { // the newest body alone is too large
		hist = samples[len(samples)-1][:min(len(samples[len(samples)-1]), dictHistory)]
	}
	// IDs below 32768 are reserved for a registrar and those from 2^31 up by the zstd
	// format; the rest are free for a store's own dictionaries.
	var id uint32
	for id == 0 || taken(id) {
		id = 1<<15 + rand.Uint32N(1<<31-1<<15)
	}
	dict, err := zstd.BuildDict(zstd.BuildDictOptions{ID: id, Contents: samples, History: hist, Offsets: [3]int{1, 4, 8}, Level: zstd.SpeedFastest})
	if err != nil {
		return 0, nil, fmt.Errorf("build zstd dictionary from %d bodies: %w", len(samples), err)
	}
	return id, dict, nil
}

// maybeTrain starts training the store's dictionary in the background once the store
// holds trainRecords records and has none. The writer calls it after each commit.
func (s *Store) maybeTrain(c Counts) {
	if s.z.dictID.Load() != 0 || c.Good+c.Bad < trainRecords || !s.z.train.CompareAndSwap(false, true) {
		return
	}
	s.z.done.Add(1)
	go func() {
		defer s.z.done.Done()
		defer close(s.z.trained)
		start := time.Now()
		id, size, err := s.trainStoreDict()
		if err != nil {
			s.log.Warn("the store keeps compressing without a dictionary", "err", err)
			return
		}
		s.log.Info("store dictionary trained", "id", id, "bytes", size, "took", time.Since(start).Round(time.Millisecond))
	}()
}

// errNoSamples reports a store without enough records to train a dictionary on.
var errNoSamples = errors.New("too few records to train a dictionary on")

// trainStoreDict trains a dictionary on the store's oldest records and payloads, keeps it
// in the dicts bucket as the current one, and compresses with it from then on. Training
// runs outside any transaction, so the writer only waits for the dictionary's put.
func (s *Store) trainStoreDict() (uint32, int, error) {
	var samples [][]byte
	taken := map[uint32]bool{}
	err := s.view(func(tx *bolt.Tx) (err error) {
		if err := tx.Bucket(bucketDicts).ForEach(func(k, _ []byte) error {
			taken[binary.BigEndian.Uint32(k)] = true
			return nil
		}); err != nil {
			return err
		}
		samples, err = dictSamples(tx, s.z)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("read training records: %w", err)
	}
	id, dict, err := trainDict(samples, func(id uint32) bool { return taken[id] })
	if err != nil {
		return 0, 0, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketDicts).Get(dictKey(id)) != nil {
			return fmt.Errorf("zstd dictionary %d was added meanwhile", id)
		}
		return putDict(tx, id, dict)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store dictionary %d: %w", id, err)
	}
	return id, len(dict), s.z.useDict(id, dict)
}

// putDict stores dictionary dict of ID id and makes it the current one.
func putDict(tx *bolt.Tx, id uint32, dict []byte) error {
	if err := tx.Bucket(bucketDicts).Put(dictKey(id), dict); err != nil {
		return fmt.Errorf("put dictionary %d: %w", id, err)
	}
	return putUint(tx.Bucket(bucketMeta), keyDict, uint64(id))
}

// dictSamples returns the uncompressed bodies of the oldest trainRecords records and
// payloads, interleaved: what a dictionary is trained on.
func dictSamples(tx *bolt.Tx, z *compressor) ([][]byte, error) {
	var recs, pays [][]byte
	for _, kind := range []struct {
		bucket []byte
		what   string
		head   func(d *decoder) error
		out    *[][]byte
	}{
		{bucketRecords, "record", func(d *decoder) error { _, err := recordHeadOf(d, recordVersion); return err }, &recs},
		{bucketPayloads, "payload", func(d *decoder) error { _, err := payloadHeadOf(d, payloadVersion); return err }, &pays},
	} {
		c := tx.Bucket(kind.bucket).Cursor()
		for k, v := c.First(); k != nil && len(*kind.out) < trainRecords; k, v = c.Next() {
			d := decoder{b: v}
			if err := kind.head(&d); err != nil {
				return nil, fmt.Errorf("%s %d: %w", kind.what, seqOf(k), err)
			}
			body, err := z.openBody(d.b, nil)
			if err != nil {
				return nil, fmt.Errorf("%s %d: %w", kind.what, seqOf(k), err)
			}
			*kind.out = append(*kind.out, append([]byte(nil), body...))
		}
	}
	if len(recs) == 0 {
		return nil, errNoSamples
	}
	samples := make([][]byte, 0, len(recs)+len(pays))
	for i := range max(len(recs), len(pays)) {
		if i < len(recs) {
			samples = append(samples, recs[i])
		}
		if i < len(pays) {
			samples = append(samples, pays[i])
		}
	}
	return samples, nil
}
