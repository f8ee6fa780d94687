package store

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// freelistPersisted reports whether the bbolt file at path holds a freelist: whether its
// newest meta page (bbolt's on-disk layout: a 16-byte page header, then magic, version,
// page size, flags, root bucket, freelist page, high water mark, txid) points at one
// rather than at "none" (every bit set).
func freelistPersisted(t *testing.T, path string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	meta := func(off int) (freelist, txid uint64) {
		m := b[off+16:]
		return binary.LittleEndian.Uint64(m[32:]), binary.LittleEndian.Uint64(m[48:])
	}
	pageSize := int(binary.LittleEndian.Uint32(b[16+8:]))
	f0, tx0 := meta(0)
	f1, tx1 := meta(pageSize)
	if tx1 > tx0 {
		f0 = f1
	}
	return f0 != ^uint64(0)
}

// TestOpenWritesFreelist checks that a store closed keeps bbolt's freelist in the file, so
// that Open need not scan every page, and that a store written without one (as earlier
// plowbox versions wrote them, or a crash leaves them) opens with every record and gets
// one.
func TestOpenWritesFreelist(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	fillT(t, s, 2000, 2)
	want := s.Counts()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !freelistPersisted(t, path) {
		t.Fatal("a store closed by plowbox has no freelist in its file")
	}

	// Commit once the way earlier versions did, which drops the freelist from the file.
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put([]byte("old_writer"), []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if freelistPersisted(t, path) {
		t.Fatal("the file still has a freelist after a commit without one: the check cannot tell")
	}

	s, err = Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatalf("open a store written without a freelist: %v", err)
	}
	if got := s.Counts(); got != want {
		t.Errorf("Counts() = %+v, want %+v", got, want)
	}
	n := 0
	if err := s.Since(0, func(*Record) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	if n != want.Good+want.Bad {
		t.Errorf("Since(0) yielded %d records, want %d", n, want.Good+want.Bad)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !freelistPersisted(t, path) {
		t.Error("the store did not write the freelist of a file written without one")
	}
}
