package store

import (
	"fmt"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"
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
	// step rewrites at most migrateChunk values after position pos and returns the new
	// position; done is true when nothing is left, in which case step changed nothing.
	step func(tx *bolt.Tx, pos uint64) (next uint64, done bool, err error)
}

// migrations lists every migration, by the version they upgrade from.
var migrations = []migration{
	{from: 1, what: "records gain replay links (record encoding 2)", step: migrateRecordsV1},
}

// migrateChunk caps the values rewritten in one migration transaction.
const migrateChunk = 10000

// migrate upgrades the store in db from format version from to FormatVersion.
func migrate(db *bolt.DB, from uint64, log *slog.Logger) error {
	for _, m := range migrations {
		if m.from < from {
			continue
		}
		if m.from != from {
			return fmt.Errorf("no migration from format version %d", from)
		}
		start := time.Now()
		log.Info("upgrading the store", "from_format", from, "to_format", from+1, "change", m.what)
		var pos uint64
		n := 0
		for {
			done := false
			err := db.Update(func(tx *bolt.Tx) error {
				var err error
				if pos, done, err = m.step(tx, pos); err != nil || !done {
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
		log.Info("store upgraded", "format", from+1, "transactions", n, "took", time.Since(start).Round(time.Millisecond))
		from++
	}
	if from != FormatVersion {
		return fmt.Errorf("no migration from format version %d", from)
	}
	return nil
}

// migrateRecordsV1 rewrites records of encoding version 1 as version 2. The two differ in
// the version byte and in an optional replayOf, which no version 1 record has, so the
// rewrite changes the first byte; each rewritten value is decoded before it is stored.
// Records already at version 2 (rewritten before an interruption) are left as they are.
func migrateRecordsV1(tx *bolt.Tx, pos uint64) (uint64, bool, error) {
	records := tx.Bucket(bucketRecords)
	type kv struct{ k, v []byte }
	var batch []kv
	c := records.Cursor()
	var last []byte
	for k, v := c.Seek(key(pos)); k != nil && len(batch) < migrateChunk; k, v = c.Next() {
		last = k
		if len(v) == 0 {
			return 0, false, fmt.Errorf("record %d: %w", seqOf(k), errCorrupt)
		}
		switch v[0] {
		case recordVersion:
			continue
		case 1:
		default:
			return 0, false, fmt.Errorf("record %d: unknown record encoding version %d", seqOf(k), v[0])
		}
		nv := append([]byte{recordVersion}, v[1:]...)
		if _, err := decodeRecord(nv, new(Record)); err != nil {
			return 0, false, fmt.Errorf("record %d: %w", seqOf(k), err)
		}
		batch = append(batch, kv{append([]byte(nil), k...), nv})
	}
	if last == nil {
		return pos, true, nil
	}
	for _, e := range batch {
		if err := records.Put(e.k, e.v); err != nil {
			return 0, false, fmt.Errorf("rewrite record %d: %w", seqOf(e.k), err)
		}
	}
	return seqOf(last) + 1, false, nil
}
