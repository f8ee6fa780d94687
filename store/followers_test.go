package store

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich"
)

// testFollower is a follower whose position the test moves. consulted receives each
// position the store reads while records are above it.
type testFollower struct {
	mu        sync.Mutex
	pos       uint64
	progress  chan struct{}
	consulted chan uint64
}

func newTestFollower() *testFollower {
	return &testFollower{progress: make(chan struct{}), consulted: make(chan uint64, 100)}
}

func (f *testFollower) Name() string { return "test" }

func (f *testFollower) Position() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case f.consulted <- f.pos:
	default:
	}
	return f.pos
}

func (f *testFollower) Progress() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.progress
}

func (f *testFollower) advance(pos uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pos = pos
	close(f.progress)
	f.progress = make(chan struct{})
}

// TestBackpressure checks that a write returns only once a follower attached with MaxLag
// is back within it, that its record is committed meanwhile, and that Followers reports
// the lag.
func TestBackpressure(t *testing.T) {
	s := openTest(t, Options{})
	f := newTestFollower()
	detach := s.Follow(f, FollowOptions{MaxLag: 2, MaxWait: time.Minute})
	write := func() error {
		return s.Write(context.Background(), &enrich.Result{Payload: testPayload(1), Outputs: []enrich.Output{out(enrich.StageGood, "a")}})
	}
	for range 2 {
		if err := write(); err != nil {
			t.Fatal(err)
		}
	}
	for len(f.consulted) > 0 {
		<-f.consulted
	}
	done := make(chan error, 1)
	go func() { done <- write() }()
	// The store looks at the follower once the third record is committed, then waits.
	<-f.consulted
	select {
	case err := <-done:
		t.Fatalf("write returned (%v) with the follower 3 records behind, MaxLag 2", err)
	default:
	}
	if got, want := s.Followers(), []FollowerLag{{Name: "test", Position: 0, Lag: 3}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Followers() = %+v, want %+v", got, want)
	}
	if s.Counts().Good != 3 {
		t.Errorf("the waiting write's record is not committed: %+v", s.Counts())
	}
	f.advance(1)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := s.BackpressureStats(); st.Waits != 1 || st.TimedOut != 0 {
		t.Errorf("BackpressureStats() = %+v, want one wait", st)
	}
	detach()
	if got := s.Followers(); len(got) != 0 {
		t.Errorf("after detach, Followers() = %+v", got)
	}
	for range 5 {
		if err := write(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBackpressureMaxWait checks that a follower that does not move holds each write
// back for MaxWait at most.
func TestBackpressureMaxWait(t *testing.T) {
	s := openTest(t, Options{})
	s.Follow(newTestFollower(), FollowOptions{MaxLag: 1, MaxWait: time.Millisecond})
	for range 3 {
		if err := s.Write(context.Background(), &enrich.Result{Payload: testPayload(1), Outputs: []enrich.Output{out(enrich.StageGood, "a")}}); err != nil {
			t.Fatal(err)
		}
	}
	if st := s.BackpressureStats(); st.TimedOut != 2 {
		t.Errorf("BackpressureStats() = %+v, want 2 timed out", st)
	}
}

// TestCursors checks that saved cursors survive a reopen and a Reset.
func TestCursors(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := s.Cursor("kafka"); err != nil || seq != 0 {
		t.Fatalf("Cursor of a new follower = %d, %v", seq, err)
	}
	if err := s.SaveCursor("kafka", 42); err != nil {
		t.Fatal(err)
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.SaveCursor("kafka", 43); err != ErrClosed {
		t.Errorf("SaveCursor after Close = %v, want ErrClosed", err)
	}
	if s, err = Open(dir, Options{Logger: quiet()}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if seq, err := s.Cursor("kafka"); err != nil || seq != 42 {
		t.Errorf("Cursor after reopen and Reset = %d, %v; want 42", seq, err)
	}
}
