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

// testdata/v1.db was written by plowbox's format 1 code (before replay links): one good
// event, a Reset, then the four payloads of writeSample, so its records are sequences 2
// to 7 and its generation is 1.

// copyV1 copies the format 1 fixture into a fresh data directory, optionally changed by
// tamper (run on the raw bbolt file).
func copyV1(t *testing.T, tamper func(tx *bolt.Tx) error) string {
	t.Helper()
	b, err := os.ReadFile("testdata/v1.db")
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

// formatOf reads the format version and the encoding version of every record.
func formatOf(t *testing.T, s *Store) (format uint64, encodings []byte) {
	t.Helper()
	err := s.view(func(tx *bolt.Tx) (err error) {
		if format, err = getUint(tx.Bucket(bucketMeta), keyFormat); err != nil {
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
	return format, encodings
}

func TestMigrateV1(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(tx *bolt.Tx) error
	}{
		{"untouched", nil},
		// A migration killed after its first transactions: some records are rewritten,
		// the version is still 1.
		{"interrupted", func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketRecords)
			for _, seq := range []uint64{2, 3} {
				v := append([]byte(nil), b.Get(key(seq))...)
				v[0] = recordVersion
				if err := b.Put(key(seq), v); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyV1(t, tt.tamper)
			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			format, encs := formatOf(t, s)
			if format != FormatVersion || string(encs) != strings.Repeat(string(rune(recordVersion)), 6) {
				t.Errorf("after Open: format %d, record encodings %v; want %d and six of %d", format, encs, FormatVersion, recordVersion)
			}
			checkSample(t, s)
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
	dir := copyV1(t, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		v := append([]byte(nil), b.Get(key(5))...)
		v = v[:len(v)-1] // truncated
		return b.Put(key(5), v)
	})
	s, err := Open(dir, Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if !strings.Contains(err.Error(), "record 5") || !strings.Contains(err.Error(), "format version 1 to 2") {
		t.Errorf("Open() = %v, want it to name record 5 and the migration", err)
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		v, err := getUint(tx.Bucket(bucketMeta), keyFormat)
		if err == nil && v != 1 {
			t.Errorf("format version after a failed migration = %d, want 1", v)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
