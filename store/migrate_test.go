package store

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/plowbox/plowbox/enrich"
)

// testdata/v1.db was written by plowbox's format 1 code (before replay links),
// testdata/v2.db by its format 2 code (before compression), v3.db by format 3 (before
// event_ids) and v4.db by format 4 (before dictionaries; commit a4c0ba7, by opening a
// store, writing out(StageGood, "z") with testPayload(9), calling Reset, then
// writeSample): one good event, a Reset, then the four payloads of writeSample, so their
// records are sequences 2 to 7, their payloads 2 to 5, and their generation is 1.

// copyFixture copies the store fixture at path into a fresh data directory, optionally
// changed by tamper (run on the raw bbolt file).
func copyFixture(t *testing.T, fixture string, tamper func(tx *bolt.Tx) error) string {
	t.Helper()
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(tamper); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// formatOf reads the format version and the encoding version of every record and of
// every payload.
func formatOf(t *testing.T, s *Store) (format uint64, encodings, payloadEncodings []byte) {
	t.Helper()
	err := s.view(func(tx *bolt.Tx) (err error) {
		if format, err = getUint(tx.Bucket(bucketMeta), keyFormat); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPayloads).ForEach(func(_, v []byte) error {
			payloadEncodings = append(payloadEncodings, v[0])
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketRecords).ForEach(func(_, v []byte) error {
			encodings = append(encodings, v[0])
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return format, encodings, payloadEncodings
}

// rewriteFirst applies a step of a migration to the first values of bucket b, the way
// a migration killed after its first transactions would have left them.
func rewriteFirst(b *bolt.Bucket, seqs []uint64, rewrite func(v []byte) []byte) error {
	for _, seq := range seqs {
		if err := b.Put(key(seq), rewrite(append([]byte(nil), b.Get(key(seq))...))); err != nil {
			return err
		}
	}
	return nil
}

func TestMigrate(t *testing.T) {
	z := testCompressor(t)
	tests := []struct {
		name, fixture string
		tamper        func(tx *bolt.Tx) error
	}{
		{"v1 untouched", "testdata/v1.db", nil},
		// A migration killed after its first transactions: some records are rewritten,
		// the version is still 1.
		{"v1 interrupted", "testdata/v1.db", func(tx *bolt.Tx) error {
			return rewriteFirst(tx.Bucket(bucketRecords), []uint64{2, 3}, func(v []byte) []byte {
				v[0] = 2
				return v
			})
		}},
		{"v2 untouched", "testdata/v2.db", nil},
		// Killed after rewriting the first records (and, in another run, the first
		// payloads): the version is still 2.
		{"v2 interrupted in records", "testdata/v2.db", func(tx *bolt.Tx) error {
			return rewriteFirst(tx.Bucket(bucketRecords), []uint64{2, 3}, func(v []byte) []byte {
				d := decoder{b: v}
				h, _ := recordHeadOf(&d, 2)
				return z.appendBody(appendRecordHeadV3(nil, h.stage, h.payloadSeq), d.b)
			})
		}},
		{"v2 interrupted in payloads", "testdata/v2.db", func(tx *bolt.Tx) error {
			if err := rewriteFirst(tx.Bucket(bucketRecords), []uint64{2, 3, 4, 5, 6, 7}, func(v []byte) []byte {
				d := decoder{b: v}
				h, _ := recordHeadOf(&d, 2)
				return z.appendBody(appendRecordHeadV3(nil, h.stage, h.payloadSeq), d.b)
			}); err != nil {
				return err
			}
			return rewriteFirst(tx.Bucket(bucketPayloads), []uint64{2}, func(v []byte) []byte {
				d := decoder{b: v}
				ts, _ := payloadHeadOf(&d, 1)
				return z.appendBody(appendPayloadHead(nil, payloadVersion, ts), d.b)
			})
		}},
		{"v3 untouched", "testdata/v3.db", nil},
		// Killed after rewriting the first records and listing their event_ids: the
		// version is still 3.
		{"v3 interrupted", "testdata/v3.db", func(tx *bolt.Tx) error {
			if _, err := tx.CreateBucket(bucketEventIDs); err != nil {
				return err
			}
			if _, _, err := migrateRecordsV3(tx, z, 0); err != nil {
				return err
			}
			// Back to encoding 3 for the later records, their listings removed.
			b := tx.Bucket(bucketRecords)
			for _, seq := range []uint64{4, 5, 6, 7} {
				d := decoder{b: append([]byte(nil), b.Get(key(seq))...)}
				h, _ := recordHeadOf(&d, recordVersion)
				if err := tx.Bucket(bucketEventIDs).Delete(eventIDKey(h.eventID, seq)); err != nil {
					return err
				}
				if err := b.Put(key(seq), append(appendRecordHeadV3(nil, h.stage, h.payloadSeq), d.b...)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"v4 untouched", "testdata/v4.db", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyFixture(t, tt.fixture, tt.tamper)
			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			format, encs, pencs := formatOf(t, s)
			if format != FormatVersion || string(encs) != strings.Repeat(string(rune(recordVersion)), 6) || string(pencs) != strings.Repeat(string(rune(payloadVersion)), 4) {
				t.Errorf("after Open: format %d, record encodings %v, payload encodings %v; want %d, six of %d, four of %d",
					format, encs, pencs, FormatVersion, recordVersion, payloadVersion)
			}
			checkSample(t, s)
			checkConsistent(t, s)
			if s.Generation() != 1 || s.LastSeq() != 7 || s.FirstSeq() != 2 {
				t.Errorf("generation %d, sequences %d..%d; want 1, 2..7", s.Generation(), s.FirstSeq(), s.LastSeq())
			}
			var queries []string
			var replayOf uint64
			if err := s.Since(0, func(r *Record) bool {
				queries = append(queries, r.Payload.Querystring)
				replayOf |= r.ReplayOf
				return true
			}); err != nil {
				t.Fatal(err)
			}
			if want := []string{"n=1", "n=1", "n=2", "n=3", "n=3", "n=4"}; !reflect.DeepEqual(queries, want) || replayOf != 0 {
				t.Errorf("payload query strings %q, replayOf %d; want %q and 0", queries, replayOf, want)
			}
			if oldest, ok, err := s.Oldest(); err != nil || !ok || !oldest.Equal(testPayload(1).Timestamp) {
				t.Errorf("Oldest() = %v, %v, %v", oldest, ok, err)
			}
			// The upgraded store takes new writes and opens again.
			first, err := s.WriteSeq(context.Background(), &enrich.Result{Payload: testPayload(5), Outputs: []enrich.Output{out(enrich.StageGood, "g")}})
			if err != nil || first != 8 {
				t.Fatalf("write after migration = %d, %v; want sequence 8", first, err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s, err = Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := collect(t, s.Good); !reflect.DeepEqual(got, []string{"g", "e", "d", "a"}) {
				t.Errorf("Good after reopen = %q", got)
			}
		})
	}
}

// TestMigrateFailureKeepsVersion checks that a migration that cannot finish leaves the
// store at its old version, with a message naming the record.
func TestMigrateFailureKeepsVersion(t *testing.T) {
	truncate := func(bucket []byte, seq uint64) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			b := tx.Bucket(bucket)
			v := append([]byte(nil), b.Get(key(seq))...)
			return b.Put(key(seq), v[:len(v)-1])
		}
	}
	for _, tt := range []struct {
		fixture string
		tamper  func(tx *bolt.Tx) error
		version uint64
		want    []string
	}{
		{"testdata/v1.db", truncate(bucketRecords, 5), 1, []string{"record 5", "format version 1 to 2"}},
		{"testdata/v2.db", truncate(bucketRecords, 5), 2, []string{"record 5", "format version 2 to 3"}},
		{"testdata/v2.db", truncate(bucketPayloads, 3), 2, []string{"payload 3", "format version 2 to 3"}},
		{"testdata/v3.db", truncate(bucketRecords, 5), 3, []string{"record 5", "format version 3 to 4"}},
	} {
		t.Run(strings.Join(tt.want, " "), func(t *testing.T) {
			testMigrateFailure(t, copyFixture(t, tt.fixture, tt.tamper), tt.version, tt.want)
		})
	}
}

// testMigrateFailure checks that opening the store in dir fails with an error naming
// want and leaves the store at format version.
func testMigrateFailure(t *testing.T, dir string, version uint64, want []string) {
	s, err := Open(dir, Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Open() = %v, want it to name %q", err, w)
		}
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		v, err := getUint(tx.Bucket(bucketMeta), keyFormat)
		if err == nil && v != version {
			t.Errorf("format version after a failed migration = %d, want %d", v, version)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// shopStoreV4 returns a data directory holding a format 4 store of 1,100 generated shop
// records, their plain zstd frames and no dictionary, and the records it holds.
func shopStoreV4(t *testing.T) (string, []*Record) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	writeShop(t, s, 0, trainRecords/10+10)
	<-s.z.trained
	want := allRecords(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	plain := testCompressor(t)
	err = db.Update(func(tx *bolt.Tx) error {
		with := testCompressor(t)
		if err := with.loadDicts(tx); err != nil {
			return err
		}
		for _, b := range []*bolt.Bucket{tx.Bucket(bucketRecords), tx.Bucket(bucketPayloads)} {
			head := func(d *decoder) error { _, err := recordHeadOf(d, recordVersion); return err }
			if b == tx.Bucket(bucketPayloads) {
				head = func(d *decoder) error { _, err := payloadHeadOf(d, payloadVersion); return err }
			}
			if _, _, err := rewriteChunk(b, "value", 0, func(_, v []byte) ([]byte, error) {
				d := decoder{b: v}
				if err := head(&d); err != nil {
					return nil, err
				}
				body, err := with.openBody(d.b, nil)
				if err != nil {
					return nil, err
				}
				return plain.appendBody(append([]byte(nil), v[:len(v)-len(d.b)]...), body), nil
			}); err != nil {
				return err
			}
		}
		if err := tx.DeleteBucket(bucketDicts); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Delete(keyDict); err != nil {
			return err
		}
		return putUint(tx.Bucket(bucketMeta), keyFormat, 4)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, want
}

// TestMigrateTrainsDictionary checks the migration from format 4 of a store large enough
// to train a dictionary on: every body is recompressed with it, every record reads as
// before, and a migration stopped after training resumes.
func TestMigrateTrainsDictionary(t *testing.T) {
	base, want := shopStoreV4(t)
	fixture := filepath.Join(base, FileName)
	for _, tt := range []struct {
		name   string
		tamper func(tx *bolt.Tx) error
	}{
		{"untouched", nil},
		{"interrupted after training", func(tx *bolt.Tx) error {
			if _, err := tx.CreateBucket(bucketDicts); err != nil {
				return err
			}
			_, _, err := migrateTrainDict(tx, testCompressor(t), 0)
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyFixture(t, fixture, tt.tamper)
			s, err := Open(dir, Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			id := s.z.dictID.Load()
			use, _ := dictUse(t, s)
			if format, _, _ := formatOf(t, s); format != FormatVersion || id == 0 || use[0] != 0 || use[id] != len(want)+trainRecords/10+10 {
				t.Errorf("format %d, dictionary %d, frames by dictionary %v; want %d, and every record and payload with the dictionary", format, id, use, FormatVersion)
			}
			if got := allRecords(t, s); !reflect.DeepEqual(got, want) {
				t.Error("records differ after the migration")
			}
		})
	}
	t.Run("corrupt record", func(t *testing.T) {
		testMigrateFailure(t, copyFixture(t, fixture, func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketRecords)
			v := append([]byte(nil), b.Get(key(5))...)
			return b.Put(key(5), v[:len(v)-1])
		}), 4, []string{"record 5", "format version 4 to 5"})
	})
}
