package follow

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// write stores one payload with one good event.
func write(t *testing.T, st *store.Store) {
	t.Helper()
	p := &collector.Payload{Schema: collector.PayloadSchema, IPAddress: "10.0.0.1", Timestamp: time.Now().UTC(), Encoding: "UTF-8",
		Collector: "plowbox-1.0.0", Path: "/i"}
	res := &enrich.Result{Payload: p, Outputs: []enrich.Output{{Stage: enrich.StageGood, Raw: &event.RawEvent{}, Event: new(event.Event)}}}
	if err := st.Write(context.Background(), res); err != nil {
		t.Fatal(err)
	}
}

// destination records the sequences it was given and fails on demand.
type destination struct {
	mu   sync.Mutex
	got  []uint64
	fail map[uint64]int // sequence → how many more times to fail at it
}

func (d *destination) deliver(_ context.Context, recs []*store.Record) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, r := range recs {
		if d.fail[r.Seq] > 0 {
			d.fail[r.Seq]--
			return i, errors.New("destination down")
		}
		d.got = append(d.got, r.Seq)
	}
	return len(recs), nil
}

func (d *destination) seqs() []uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.got)
}

// run runs f until it has delivered up to last, then stops it.
func run(t *testing.T, f *Follower, last uint64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.Run(ctx) }()
	deadline := time.After(10 * time.Second)
	for {
		ch := f.Progress()
		if f.Cursor() >= last {
			break
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("cursor %d, want %d; stats %+v", f.Cursor(), last, f.Stats())
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

// A follower starts after the records that were there before it, delivers in order
// through failures (retrying from the first undelivered record), saves its cursor when it
// stops and resumes from it.
func TestFollower(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	write(t, st) // before the follower: not delivered
	d := &destination{fail: map[uint64]int{4: 2}}
	opts := Options{Batch: 2, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, SaveEvery: time.Hour, Logger: quiet()}
	f, err := New("test", st, d.deliver, opts)
	if err != nil {
		t.Fatal(err)
	}
	if f.Cursor() != 1 || f.Hold() != 2 {
		t.Fatalf("a new follower's cursor %d, hold %d: want 1 and 2", f.Cursor(), f.Hold())
	}
	for range 5 {
		write(t, st)
	}
	if f.Lag() != 5 {
		t.Errorf("lag %d, want 5", f.Lag())
	}
	run(t, f, 6)
	if got := d.seqs(); !slices.Equal(got, []uint64{2, 3, 4, 5, 6}) {
		t.Errorf("delivered %v, want 2 to 6 once each, in order", got)
	}
	if s := f.Stats(); s.Failures != 2 || s.Retried == 0 || s.Delivered != 5 || s.LastError != "" {
		t.Errorf("stats %+v", s)
	}

	// Stopped, then more records: a new follower of the same name resumes after 6.
	write(t, st)
	again, err := New("test", st, d.deliver, opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Cursor() != 6 {
		t.Fatalf("resumed at %d, want 6 (saved when Run stopped)", again.Cursor())
	}
	run(t, again, 7)
	if got := d.seqs(); !slices.Equal(got, []uint64{2, 3, 4, 5, 6, 7}) {
		t.Errorf("delivered %v after resuming", got)
	}
	// FromStart: a follower of another name delivers everything.
	all := &destination{}
	opts.FromStart = true
	fs, err := New("other", st, all.deliver, opts)
	if err != nil {
		t.Fatal(err)
	}
	run(t, fs, 7)
	if got := all.seqs(); !slices.Equal(got, []uint64{1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("from the start: %v", got)
	}
}
