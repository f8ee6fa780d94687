package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/store/index/indextest"
)

// writeShop writes n generated shop requests of 10 events each, from request from on.
func writeShop(t *testing.T, s *Store, from, n int) {
	t.Helper()
	en := enrich.New(enrich.Config{Version: "1.0.0"})
	at := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	for r := from; r < from+n; r++ {
		if err := s.Write(context.Background(), en.Process(context.Background(), indextest.Payload(r, 10, at.Add(time.Duration(r)*time.Second)))); err != nil {
			t.Fatal(err)
		}
	}
}

// allRecords returns every record of s, oldest first.
func allRecords(t *testing.T, s *Store) []*Record {
	t.Helper()
	var recs []*Record
	if err := s.Since(0, func(r *Record) bool {
		recs = append(recs, r)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return recs
}

// dictUse counts the compressed bodies of records and payloads by the dictionary their
// frame names (0 for none), and sums the bytes of every record value.
func dictUse(t *testing.T, s *Store) (byID map[uint32]int, recordBytes int) {
	t.Helper()
	byID = map[uint32]int{}
	err := s.view(func(tx *bolt.Tx) error {
		for _, kind := range []struct {
			bucket []byte
			head   func(d *decoder) error
		}{
			{bucketRecords, func(d *decoder) error { _, err := recordHeadOf(d, recordVersion); return err }},
			{bucketPayloads, func(d *decoder) error { _, err := payloadHeadOf(d, payloadVersion); return err }},
		} {
			if err := tx.Bucket(kind.bucket).ForEach(func(_, v []byte) error {
				if string(kind.bucket) == string(bucketRecords) {
					recordBytes += len(v)
				}
				d := decoder{b: v}
				if err := kind.head(&d); err != nil {
					return err
				}
				if d.b[0] == bodyZstd {
					byID[frameDictID(d.b[1:])]++
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return byID, recordBytes
}

// TestStoreTrainsDictionary checks that a store trains a dictionary once it holds
// trainRecords records, compresses later records with it to a fraction of their size,
// still reads the records written before, and keeps the dictionary across a reopen.
func TestStoreTrainsDictionary(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	n := trainRecords / 10 // requests of 10 events
	writeShop(t, s, 0, n)
	_, plain := dictUse(t, s)
	// Writes go on while the dictionary is trained and swapped in: each of these bodies
	// is compressed with it or without, and reads back either way.
	writeShop(t, s, n, n/2)
	<-s.z.trained
	id := s.z.dictID.Load()
	if id == 0 {
		t.Fatal("no dictionary after training")
	}
	_, before := dictUse(t, s)
	writeShop(t, s, n+n/2, n)
	use, all := dictUse(t, s)
	if use[id] < 11*n || use[0] < 11*n {
		t.Errorf("frames by dictionary %v; want the %d last requests' records and payloads with dictionary %d, the first ones with none", use, n, id)
	}
	if after := all - before; after*2 > plain {
		t.Errorf("%d records took %d bytes with the dictionary, %d without; want under half", 10*n, after, plain)
	}
	want := allRecords(t, s)
	if len(want) != 25*n {
		t.Fatalf("%d records, want %d", len(want), 25*n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	if s.z.dictID.Load() != id {
		t.Errorf("dictionary after reopen %d, want %d", s.z.dictID.Load(), id)
	}
	if got := allRecords(t, s); !reflect.DeepEqual(got, want) {
		t.Error("records differ after reopen")
	}
	// A Reset keeps the dictionary: bodies compressed just before it may be committed
	// after it.
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	writeShop(t, s, 0, 1)
	if use, _ := dictUse(t, s); use[id] != 11 || len(use) != 1 {
		t.Errorf("after Reset: frames by dictionary %v, want 11 with %d", use, id)
	}
}

// TestOpenBodyUnknownDictionary checks that a body compressed with a dictionary the store
// does not have gives an error naming it, and a corrupt one an error, never a panic.
func TestOpenBodyUnknownDictionary(t *testing.T) {
	c := shopCorpus(t, 0, 20, 10)
	id, dict, err := trainDict(c.records, func(uint32) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	with := testCompressor(t)
	if err := with.useDict(id, dict); err != nil {
		t.Fatal(err)
	}
	b := with.appendBody(nil, c.records[0])
	if frameDictID(b[1:]) != id {
		t.Fatalf("frame names dictionary %d, want %d", frameDictID(b[1:]), id)
	}
	if got, err := with.openBody(b, nil); err != nil || string(got) != string(c.records[0]) {
		t.Fatalf("openBody with the dictionary = %v", err)
	}
	_, err = testCompressor(t).openBody(b, nil)
	if !errors.Is(err, errCorrupt) || !strings.Contains(err.Error(), "dictionary") || !strings.Contains(err.Error(), "does not have") {
		t.Errorf("openBody without the dictionary = %v", err)
	}
	for n := range len(b) {
		if _, err := with.openBody(b[:n], nil); err == nil {
			t.Errorf("openBody of %d of %d bytes succeeded", n, len(b))
		}
	}
}

// TestTrainDictTinyInput checks that training on degenerate bodies (one larger than a
// dictionary, tiny ones) gives a usable dictionary or an error naming the bodies, never a
// broken dictionary or a panic; maybeTrain logs such an error and the store keeps
// compressing without a dictionary.
func TestTrainDictTinyInput(t *testing.T) {
	for name, samples := range map[string][][]byte{
		"one large": {[]byte(strings.Repeat("iglu:com.snowplowanalytics.snowplow/web_page ", 2000))},
		"tiny":      {[]byte("pv"), []byte("pp"), []byte("se, checkout")},
	} {
		id, dict, err := trainDict(samples, func(uint32) bool { return false })
		if err != nil {
			// zstd refuses them (both do today): the refusal must say what was refused.
			if want := fmt.Sprintf("build zstd dictionary from %d bodies", len(samples)); !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q, want it to say %q", name, err, want)
			}
			continue
		}
		if _, err := zstd.InspectDictionary(dict); err != nil || id < 1<<15 || id >= 1<<31 {
			t.Errorf("%s: dictionary %d: %v", name, id, err)
		}
	}
}

// FuzzDecodeRecord checks that decoding arbitrary bytes as a record, with a store's
// dictionary or without, returns a record or an error and never panics.
func FuzzDecodeRecord(f *testing.F) {
	c := shopCorpus(f, 0, 5, 10)
	id, dict, err := trainDict(c.records, func(uint32) bool { return false })
	if err != nil {
		f.Fatal(err)
	}
	with, plain := testCompressor(f), testCompressor(f)
	if err := with.useDict(id, dict); err != nil {
		f.Fatal(err)
	}
	o := out(enrich.StageValidation, "b")
	f.Add(with.appendRecord(nil, &o, 3))
	f.Add(plain.appendRecord(nil, &o, 3))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, z := range []*compressor{with, plain} {
			if _, err := z.decodeRecord(b, new(Record)); err == nil {
				if _, err := recordHead(b); err != nil {
					t.Errorf("record decodes, but its header does not: %v", err)
				}
			}
		}
	})
}

// TestOpenRejectsDamagedDictionaries checks that a store whose dictionaries are damaged
// fails to open with a message saying which, rather than misreading its records.
func TestOpenRejectsDamagedDictionaries(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fixture := filepath.Join(dir, FileName)
	for _, tt := range []struct {
		name   string
		tamper func(tx *bolt.Tx) error
		want   string
	}{
		{"not a dictionary", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketDicts).Put(dictKey(40000), []byte("plowbox"))
		}, "dictionary 40000"},
		{"filed under another ID", func(tx *bolt.Tx) error {
			_, d, err := trainDict(shopCorpus(t, 0, 2, 10).records, func(uint32) bool { return false })
			if err != nil {
				return err
			}
			return tx.Bucket(bucketDicts).Put(dictKey(40000), d)
		}, "dictionary 40000 has ID"},
		{"current one missing", func(tx *bolt.Tx) error {
			return putUint(tx.Bucket(bucketMeta), keyDict, 40000)
		}, "dictionary 40000 is missing"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(copyFixture(t, fixture, tt.tamper), Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open() = %v, want it to name %q", err, tt.want)
			}
		})
	}
}
