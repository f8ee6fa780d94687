package store

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/plowbox/plowbox/enrich/event"
)

// Migrations upgrade a store in place at Open, one format version at a time. Each runs in
// transactions of bounded size, so that a large store never needs one huge transaction,
// and is safe to interrupt: a crash or kill leaves the format version unchanged, and the
// next Open resumes where the last committed transaction stopped. The format version is
// bumped in the migration's last transaction, once every value is rewritten.

// migration upgrades a store from format from to from+1.
type migration struct {
	from uint64
	what string
	// steps run in order. Each rewrites at most migrateChunk values after position pos
	// and returns the new position; done is true when nothing is left, in which case the
	// step changed nothing. A step skips values it already rewrote, so that a migration
	// interrupted and restarted from position 0 redoes nothing.
	steps []stepFunc
}

// migrations lists every migration, by the version they upgrade from.
var migrations = []migration{
	{from: 1, what: "records gain replay links (record encoding 2)", steps: []stepFunc{migrateRecordsV1}},
	{from: 2, what: "records and payloads are compressed (record encoding 3, payload encoding 2)", steps: []stepFunc{migrateRecordsV2, migratePayloadsV1}},
	{from: 3, what: "records carry their event_id, listed for lookups by event_id (record encoding 4)", steps: []stepFunc{migrateRecordsV3}},
	{from: 4, what: "records and payloads are compressed with a zstd dictionary trained on the store's records", steps: []stepFunc{migrateTrainDict, migrateRecordsDict, migratePayloadsDict}},
}

// stepFunc is one step of a migration.
type stepFunc = func(tx *bolt.Tx, z *compressor, pos uint64) (next uint64, done bool, err error)

// migrateChunk caps the values rewritten in one migration transaction.
const migrateChunk = 10000

// migrate upgrades the store in db from format version from to FormatVersion, compressing
// with z.
func migrate(db *bolt.DB, z *compressor, from uint64, log *slog.Logger) error {
	for _, m := range migrations {
		if m.from < from {
			continue
		}
		if m.from != from {
			return fmt.Errorf("no migration from format version %d", from)
		}
		start := time.Now()
		log.Info("upgrading the store", "from_format", from, "to_format", from+1, "change", m.what)
		n := 0
		for i, step := range m.steps {
			last := i == len(m.steps)-1
			var pos uint64
			for {
				done := false
				err := db.Update(func(tx *bolt.Tx) error {
					var err error
					if pos, done, err = step(tx, z, pos); err != nil || !done || !last {
						return err
					}
					return putUint(tx.Bucket(bucketMeta), keyFormat, from+1)
				})
				if err != nil {
					return fmt.Errorf("migrate store from format version %d to %d: %w", from, from+1, err)
				}
				if done {
					break
				}
				n++
			}
		}
		log.Info("store upgraded", "format", from+1, "transactions", n, "took", time.Since(start).Round(time.Millisecond))
		from++
	}
	if from != FormatVersion {
		return fmt.Errorf("no migration from format version %d", from)
	}
	return nil
}

// rewriteChunk rewrites up to migrateChunk values of bucket b from key pos on with
// rewrite, which returns nil for a value to leave as it is. It returns the position after
// the last value it looked at; done is true when there was none.
func rewriteChunk(b *bolt.Bucket, what string, pos uint64, rewrite func(k, v []byte) ([]byte, error)) (uint64, bool, error) {
	type kv struct{ k, v []byte }
	var batch []kv
	c := b.Cursor()
	var last []byte
	for k, v := c.Seek(key(pos)); k != nil && len(batch) < migrateChunk; k, v = c.Next() {
		last = k
		if len(v) == 0 {
			return 0, false, fmt.Errorf("%s %d: %w", what, seqOf(k), errCorrupt)
		}
		nv, err := rewrite(k, v)
		if err != nil {
			return 0, false, fmt.Errorf("%s %d: %w", what, seqOf(k), err)
		}
		if nv != nil {
			batch = append(batch, kv{append([]byte(nil), k...), nv})
		}
	}
	if last == nil {
		return pos, true, nil
	}
	for _, e := range batch {
		if err := b.Put(e.k, e.v); err != nil {
			return 0, false, fmt.Errorf("rewrite %s %d: %w", what, seqOf(e.k), err)
		}
	}
	return seqOf(last) + 1, false, nil
}

// migrateRecordsV1 rewrites records of encoding version 1 as version 2. The two differ in
// the version byte and in an optional replayOf, which no version 1 record has, so the
// rewrite changes the first byte; each rewritten value is decoded before it is stored.
// Records already at version 2 (rewritten before an interruption) are left as they are.
func migrateRecordsV1(tx *bolt.Tx, _ *compressor, pos uint64) (uint64, bool, error) {
	return rewriteChunk(tx.Bucket(bucketRecords), "record", pos, func(_, v []byte) ([]byte, error) {
		switch v[0] {
		case 2:
			return nil, nil
		case 1:
		default:
			return nil, fmt.Errorf("unknown record encoding version %d", v[0])
		}
		nv := append([]byte{2}, v[1:]...)
		d := decoder{b: nv}
		if _, err := recordHeadOf(&d, 2); err != nil {
			return nil, err
		}
		if err := decodeRecordBody(d.b, new(Record)); err != nil {
			return nil, err
		}
		return nv, nil
	})
}

// migrateRecordsV2 rewrites records of encoding version 2 as version 3: the same header
// and a tagged, compressed body. Each rewritten value is decoded before it is stored.
func migrateRecordsV2(tx *bolt.Tx, z *compressor, pos uint64) (uint64, bool, error) {
	return rewriteChunk(tx.Bucket(bucketRecords), "record", pos, func(_, v []byte) ([]byte, error) {
		switch v[0] {
		case 3, recordVersion:
			return nil, nil
		case 2:
		default:
			return nil, fmt.Errorf("unknown record encoding version %d", v[0])
		}
		d := decoder{b: v}
		h, err := recordHeadOf(&d, 2)
		if err != nil {
			return nil, err
		}
		nv := z.appendBody(appendRecordHeadV3(make([]byte, 0, len(v)), h.stage, h.payloadSeq), d.b)
		d = decoder{b: nv}
		if _, err := recordHeadOf(&d, 3); err != nil {
			return nil, err
		}
		body, err := z.openBody(d.b, nil)
		if err != nil {
			return nil, err
		}
		if err := decodeRecordBody(body, new(Record)); err != nil {
			return nil, err
		}
		return nv, nil
	})
}

// migrateRecordsV3 rewrites records of encoding version 3 as version 4: the event_id of
// the record's event joins the header, and the record is listed under it in the
// event_ids bucket, in the same transaction. Records already at version 4 (rewritten
// before an interruption, and listed with them) are left as they are.
func migrateRecordsV3(tx *bolt.Tx, z *compressor, pos uint64) (uint64, bool, error) {
	w := txWriter{eventIDs: tx.Bucket(bucketEventIDs)}
	return rewriteChunk(tx.Bucket(bucketRecords), "record", pos, func(k, v []byte) ([]byte, error) {
		switch v[0] {
		case recordVersion:
			return nil, nil
		case 3:
		default:
			return nil, fmt.Errorf("unknown record encoding version %d", v[0])
		}
		d := decoder{b: v}
		h, err := recordHeadOf(&d, 3)
		if err != nil {
			return nil, err
		}
		body, err := z.openBody(d.b, nil)
		if err != nil {
			return nil, err
		}
		var rec Record
		if err := decodeRecordBody(body, &rec); err != nil {
			return nil, err
		}
		id := ""
		if rec.Event != nil {
			id = rec.Event.Get(event.EventID)
		}
		if err := w.putEventID(id, seqOf(k)); err != nil {
			return nil, err
		}
		return append(appendRecordHead(make([]byte, 0, len(v)+len(id)+1), h.stage, h.payloadSeq, id), d.b...), nil
	})
}

// migratePayloadsV1 rewrites payloads of encoding version 1 as version 2: the same
// header (version and time) and a tagged, compressed body. Each rewritten value is
// decoded before it is stored.
func migratePayloadsV1(tx *bolt.Tx, z *compressor, pos uint64) (uint64, bool, error) {
	return rewriteChunk(tx.Bucket(bucketPayloads), "payload", pos, func(_, v []byte) ([]byte, error) {
		switch v[0] {
		case payloadVersion:
			return nil, nil
		case 1:
		default:
			return nil, fmt.Errorf("unknown payload encoding version %d", v[0])
		}
		d := decoder{b: v}
		t, err := payloadHeadOf(&d, 1)
		if err != nil {
			return nil, err
		}
		nv := z.appendBody(appendPayloadHead(make([]byte, 0, len(v)), payloadVersion, t), d.b)
		if _, err := z.decodePayload(nv); err != nil {
			return nil, err
		}
		return nv, nil
	})
}

// migrateTrainDict trains the store's dictionary on its oldest records when it has at
// least trainRecords of them and no dictionary yet; a smaller store trains one once it
// has grown (dict.go).
func migrateTrainDict(tx *bolt.Tx, z *compressor, _ uint64) (uint64, bool, error) {
	if z.dictID.Load() != 0 || !atLeast(tx.Bucket(bucketRecords), trainRecords) {
		return 0, true, nil
	}
	samples, err := dictSamples(tx, z)
	if err != nil {
		return 0, false, fmt.Errorf("read training records: %w", err)
	}
	b := tx.Bucket(bucketDicts)
	id, dict, err := trainDict(samples, func(id uint32) bool { return b.Get(dictKey(id)) != nil })
	if err != nil {
		return 0, false, err
	}
	if err := putDict(tx, id, dict); err != nil {
		return 0, false, err
	}
	// Should the transaction fail, Open fails and z is discarded with it.
	return 0, false, z.useDict(id, dict)
}

// migrateRecordsDict recompresses the bodies of records with the store's dictionary, when
// it has one. Bodies already compressed with it are left as they are.
func migrateRecordsDict(tx *bolt.Tx, z *compressor, pos uint64) (uint64, bool, error) {
	return recompressChunk(tx.Bucket(bucketRecords), "record", z, pos, func(d *decoder) error {
		_, err := recordHeadOf(d, recordVersion)
		return err
	})
}

// migratePayloadsDict recompresses the bodies of payloads with the store's dictionary,
// when it has one.
func migratePayloadsDict(tx *bolt.Tx, z *compressor, pos uint64) (uint64, bool, error) {
	return recompressChunk(tx.Bucket(bucketPayloads), "payload", z, pos, func(d *decoder) error {
		_, err := payloadHeadOf(d, payloadVersion)
		return err
	})
}

// recompressChunk recompresses a chunk of the bodies of bucket b, whose values have a
// header that head reads, with z's current dictionary. Each rewritten value's body is
// decompressed again and compared before it is stored.
func recompressChunk(b *bolt.Bucket, what string, z *compressor, pos uint64, head func(d *decoder) error) (uint64, bool, error) {
	id := z.dictID.Load()
	if id == 0 {
		return pos, true, nil
	}
	return rewriteChunk(b, what, pos, func(_, v []byte) ([]byte, error) {
		d := decoder{b: v}
		if err := head(&d); err != nil {
			return nil, err
		}
		if len(d.b) > 1 && d.b[0] == bodyZstd && frameDictID(d.b[1:]) == id {
			return nil, nil
		}
		body, err := z.openBody(d.b, nil)
		if err != nil {
			return nil, err
		}
		nv := z.appendBody(append(make([]byte, 0, len(v)), v[:len(v)-len(d.b)]...), body)
		if bytes.Equal(nv, v) {
			return nil, nil
		}
		if again, err := z.openBody(nv[len(v)-len(d.b):], nil); err != nil || !bytes.Equal(again, body) {
			return nil, fmt.Errorf("recompressed body does not decompress to the original: %w", errors.Join(errCorrupt, err))
		}
		return nv, nil
	})
}

// atLeast reports whether b holds n keys or more, reading at most n of them (a bucket's
// Stats would walk every page).
func atLeast(b *bolt.Bucket, n int) bool {
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if n--; n <= 0 {
			return true
		}
	}
	return n <= 0
}
