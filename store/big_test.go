package store

import (
	"flag"
	"testing"
	"time"
)

var big = flag.Int("store.big", 0, "run TestBigStore with this many records (e.g. 1000000)")

// TestBigStore checks that a large store still answers a short listing, its counts and a
// reset quickly. It runs only with -store.big=N.
func TestBigStore(t *testing.T) {
	if *big == 0 {
		t.Skip("needs -store.big=N")
	}
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	fillT(t, s, *big, 1000)
	size, _ := s.Size()
	t.Logf("filled %d records (%d MB) in %v", *big, size>>20, time.Since(start))

	timed := func(name string, limit time.Duration, fn func() error) {
		t.Helper()
		start := time.Now()
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		d := time.Since(start)
		t.Logf("%s: %v", name, d)
		if d > limit {
			t.Errorf("%s took %v, want under %v", name, d, limit)
		}
	}
	timed("Good limit 10", 50*time.Millisecond, func() error {
		n := 0
		return s.Good(func(*Record) bool { n++; return n < 10 })
	})
	timed("Bad limit 10", 50*time.Millisecond, func() error {
		n := 0
		return s.Bad(func(*Record) bool { n++; return n < 10 })
	})
	if c := s.Counts(); c.Good+c.Bad != *big {
		t.Errorf("Counts() = %+v", c)
	}
	timed("reopen", 2*time.Second, func() error {
		if err := s.Close(); err != nil {
			return err
		}
		s, err = Open(dir, Options{NoSync: true})
		return err
	})
	timed("Reset", 5*time.Second, s.Reset)
	if c := s.Counts(); c != (Counts{}) {
		t.Errorf("Counts() after reset = %+v", c)
	}
}
