package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// FileName is the name of the bbolt file inside the data directory.
const FileName = "plowbox.db"

// FormatVersion is the version of the on-disk layout this build writes. Opening a store
// written with a higher version fails rather than misreading it; a store written with a
// lower version is migrated in place at Open (migrate.go).
//
//	1: the first layout.
//	2: records carry an optional replayOf (record encoding version 2).
//	3: record and payload bodies are compressed (record encoding 3, payload encoding 2).
//	4: records carry their event_id in the header (record encoding 4), listed in the
//	   event_ids bucket; followers keep cursors in the cursors bucket.
//	5: bodies may be compressed with a zstd dictionary of the dicts bucket (dict.go);
//	   the encodings are unchanged, but a build of format 4 could not decompress them.
const FormatVersion = 5

// Bucket names. Payloads and records are keyed by big-endian uint64 sequences, so that key
// order is arrival order: the oldest entries come first, which suits retention, and
// cursors walked backwards give newest first. The index buckets hold the sequences of
// one kind of record each (empty values) so that each listing skips the other kinds.
var (
	bucketMeta     = []byte("meta")      // format version, counters
	bucketPayloads = []byte("payloads")  // payload seq → encoded collector payload
	bucketRecords  = []byte("records")   // record seq → encoded record, every kind
	bucketGood     = []byte("good")      // record seq of good events
	bucketBad      = []byte("bad")       // record seq of bad rows (every non-good record)
	bucketEvents   = []byte("events")    // record seq of good and incomplete events
	bucketSchemas  = []byte("schemas")   // reserved: schemas resolved over the network
	bucketSettings = []byte("settings")  // reserved: runtime settings
	bucketEventIDs = []byte("event_ids") // event_id then record seq (8 bytes) → empty
	bucketCursors  = []byte("cursors")   // follower name → the sequence it has handled
	bucketDicts    = []byte("dicts")     // zstd dictionary ID (4 bytes) → dictionary
)

// dataBuckets are the buckets Reset empties.
var dataBuckets = [][]byte{bucketPayloads, bucketRecords, bucketGood, bucketBad, bucketEvents, bucketEventIDs}

// Keys of the meta bucket; every value is a big-endian uint64.
var (
	keyFormat      = []byte("format")
	keyNextRecord  = []byte("next_record")  // sequence of the next record
	keyNextPayload = []byte("next_payload") // sequence of the next payload
	keyGood        = []byte("count_good")
	keyBad         = []byte("count_bad")
	keyIncomplete  = []byte("count_incomplete")
	keyGeneration  = []byte("generation") // Reset count: followers wipe their copies when it changes
	keyDict        = []byte("dict")       // ID of the zstd dictionary new bodies are compressed with; absent for none
)

// key encodes a sequence as a bucket key.
func key(seq uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq) }

// seqOf decodes a bucket key.
func seqOf(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

// getUint reads a uint64 meta value; absent is 0.
func getUint(b *bolt.Bucket, k []byte) (uint64, error) {
	v := b.Get(k)
	switch len(v) {
	case 0:
		return 0, nil
	case 8:
		return binary.BigEndian.Uint64(v), nil
	}
	return 0, fmt.Errorf("meta %s: %w", k, errCorrupt)
}

// putUint writes a uint64 meta value.
func putUint(b *bolt.Bucket, k []byte, v uint64) error { return b.Put(k, key(v)) }

// meta is the state kept in the meta bucket.
type meta struct {
	nextRecord, nextPayload uint64
	generation              uint64
	counts                  Counts
}

// readMeta loads the counters.
func readMeta(b *bolt.Bucket) (meta, error) {
	var m meta
	var good, bad, inc uint64
	for _, f := range []struct {
		k []byte
		v *uint64
	}{{keyNextRecord, &m.nextRecord}, {keyNextPayload, &m.nextPayload}, {keyGood, &good}, {keyBad, &bad}, {keyIncomplete, &inc}, {keyGeneration, &m.generation}} {
		v, err := getUint(b, f.k)
		if err != nil {
			return m, err
		}
		*f.v = v
	}
	m.counts = Counts{Good: int(good), Bad: int(bad), Incomplete: int(inc)}
	return m, nil
}

// writeMeta stores the counters.
func writeMeta(b *bolt.Bucket, m meta) error {
	for _, f := range []struct {
		k []byte
		v uint64
	}{{keyNextRecord, m.nextRecord}, {keyNextPayload, m.nextPayload}, {keyGood, uint64(m.counts.Good)}, {keyBad, uint64(m.counts.Bad)}, {keyIncomplete, uint64(m.counts.Incomplete)}, {keyGeneration, m.generation}} {
		if err := putUint(b, f.k, f.v); err != nil {
			return fmt.Errorf("write meta %s: %w", f.k, err)
		}
	}
	return nil
}

// initLayout creates missing buckets and checks the format version, which it returns:
// below FormatVersion, the caller migrates the store.
func initLayout(tx *bolt.Tx) (version uint64, err error) {
	m := tx.Bucket(bucketMeta)
	if m == nil {
		if tx.Bucket(bucketRecords) != nil {
			return 0, fmt.Errorf("the file has records but no %q bucket: it is not a plowbox store or it is damaged", bucketMeta)
		}
		if m, err = tx.CreateBucket(bucketMeta); err != nil {
			return 0, fmt.Errorf("create bucket %s: %w", bucketMeta, err)
		}
		if err := putUint(m, keyFormat, FormatVersion); err != nil {
			return 0, fmt.Errorf("write format version: %w", err)
		}
		if err := writeMeta(m, meta{nextRecord: 1, nextPayload: 1}); err != nil {
			return 0, err
		}
	}
	v, err := getUint(m, keyFormat)
	if err != nil {
		return 0, fmt.Errorf("read format version: %w", err)
	}
	switch {
	case v == 0:
		return 0, fmt.Errorf("the file has no format version: it is not a plowbox store or it is damaged")
	case v > FormatVersion:
		return 0, fmt.Errorf("the store was written by a newer plowbox (format version %d; this build reads up to %d): upgrade plowbox or point it at another data directory", v, FormatVersion)
	}
	for _, name := range append([][]byte{bucketSchemas, bucketSettings, bucketCursors, bucketDicts}, dataBuckets...) {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return 0, fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return v, nil
}
