package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/plowbox/plowbox/enrich"
)

// writeSample writes four payloads covering every stage and returns the first sequence
// of each write.
func writeSample(t *testing.T, s *Store) []uint64 {
	t.Helper()
	results := []*enrich.Result{
		{Payload: testPayload(1), Outputs: []enrich.Output{out(enrich.StageGood, "a"), out(enrich.StageValidation, "b")}},
		{Payload: testPayload(2), Outputs: []enrich.Output{out(enrich.StageAdapter, "c")}},
		{Payload: testPayload(3), Outputs: []enrich.Output{out(enrich.StageGood, "d"), out(enrich.StageGood, "e")}},
		{Payload: testPayload(4), Outputs: []enrich.Output{out(enrich.StageSize, "f")}},
	}
	var firsts []uint64
	for _, r := range results {
		first, err := s.WriteSeq(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		firsts = append(firsts, first)
	}
	return firsts
}

var sampleCounts = Counts{Good: 3, Bad: 3, Incomplete: 1}

func checkSample(t *testing.T, s *Store) {
	t.Helper()
	if got := s.Counts(); got != sampleCounts {
		t.Errorf("Counts() = %+v, want %+v", got, sampleCounts)
	}
	for _, tt := range []struct {
		name string
		iter func(func(*Record) bool) error
		want []string
	}{
		{"Good", s.Good, []string{"e", "d", "a"}},
		{"Bad", s.Bad, []string{"f", "c", "b"}},
		{"Events", s.Events, []string{"e", "d", "b", "a"}},
	} {
		if got := collect(t, tt.iter); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestWriteAndRead(t *testing.T) {
	s := openTest(t, Options{})
	firsts := writeSample(t, s)
	if want := []uint64{1, 3, 4, 6}; !reflect.DeepEqual(firsts, want) {
		t.Errorf("first sequences = %v, want %v", firsts, want)
	}
	checkSample(t, s)
	if s.LastSeq() != 6 {
		t.Errorf("LastSeq() = %d, want 6", s.LastSeq())
	}

	var recs []*Record
	if err := s.Since(0, func(r *Record) bool { recs = append(recs, r); return true }); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 {
		t.Fatalf("Since(0) gave %d records, want 6", len(recs))
	}
	wantStages := []enrich.Stage{enrich.StageGood, enrich.StageValidation, enrich.StageAdapter, enrich.StageGood, enrich.StageGood, enrich.StageSize}
	wantPayload := []uint64{1, 1, 2, 3, 3, 4}
	for i, r := range recs {
		if r.Seq != uint64(i+1) || r.Stage != wantStages[i] || r.PayloadSeq != wantPayload[i] {
			t.Errorf("record %d: seq %d stage %d payload %d, want %d %d %d", i, r.Seq, r.Stage, r.PayloadSeq, i+1, wantStages[i], wantPayload[i])
		}
		if !reflect.DeepEqual(r.Payload, testPayload(int(wantPayload[i]))) {
			t.Errorf("record %d: payload %+v", i, r.Payload)
		}
		if r.Raw != nil && r.Raw.Payload != r.Payload {
			t.Errorf("record %d: Raw.Payload is not the record's payload", i)
		}
		if (r.Event != nil) != (r.Stage == enrich.StageGood || r.Stage == enrich.StageValidation) {
			t.Errorf("record %d (stage %d): event %v", i, r.Stage, r.Event)
		}
	}
	if recs[0].Payload != recs[1].Payload {
		t.Error("records of one payload do not share the decoded payload")
	}
	want := out(enrich.StageValidation, "b")
	want.Raw.Payload = recs[1].Payload
	if got := (enrich.Output{Stage: recs[1].Stage, Raw: recs[1].Raw, Event: recs[1].Event, BadRow: recs[1].BadRow}); !reflect.DeepEqual(got, want) {
		t.Errorf("record 2:\n got %+v\nwant %+v", got, want)
	}

	if got := collect(t, func(fn func(*Record) bool) error { return s.Since(4, fn) }); !reflect.DeepEqual(got, []string{"e", "f"}) {
		t.Errorf("Since(4) = %q", got)
	}
	rec, ok, err := s.Get(3)
	if err != nil || !ok || idOf(rec) != "c" {
		t.Errorf("Get(3) = %v, %v, %v", rec, ok, err)
	}
	if _, ok, err := s.Get(7); ok || err != nil {
		t.Errorf("Get(7) = %v, %v; want not found", ok, err)
	}
	oldest, ok, err := s.Oldest()
	if err != nil || !ok || !oldest.Equal(testPayload(1).Timestamp) {
		t.Errorf("Oldest() = %v, %v, %v", oldest, ok, err)
	}
	if n, err := s.Size(); err != nil || n <= 0 {
		t.Errorf("Size() = %d, %v", n, err)
	}
	if err := s.Healthy(); err != nil {
		t.Errorf("Healthy() = %v", err)
	}
}

func TestIterationStops(t *testing.T) {
	s := openTest(t, Options{})
	writeSample(t, s)
	for name, iter := range map[string]func(func(*Record) bool) error{"Good": s.Good, "Bad": s.Bad, "Events": s.Events} {
		n := 0
		if err := iter(func(*Record) bool { n++; return n < 2 }); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%s called fn %d times after it returned false, want 2", name, n)
		}
	}
}

func TestEmptyResultStoresNothing(t *testing.T) {
	s := openTest(t, Options{})
	first, err := s.WriteSeq(context.Background(), &enrich.Result{Payload: testPayload(1)})
	if err != nil || first != 0 {
		t.Fatalf("WriteSeq(no outputs) = %d, %v", first, err)
	}
	if _, ok, err := s.Oldest(); ok || err != nil {
		t.Errorf("Oldest() after empty write = %v, %v; want empty store", ok, err)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeSample(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkSample(t, s)
	first, err := s.WriteSeq(context.Background(), &enrich.Result{Payload: testPayload(5), Outputs: []enrich.Output{out(enrich.StageGood, "g")}})
	if err != nil || first != 7 {
		t.Errorf("first write after reopen = %d, %v; want 7", first, err)
	}
	rec, ok, err := s.Get(7)
	if err != nil || !ok || rec.PayloadSeq != 5 {
		t.Errorf("Get(7) = %+v, %v, %v; want payload 5", rec, ok, err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	s := openTest(t, Options{})
	const writers, each = 16, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				st := []enrich.Stage{enrich.StageGood, enrich.StageValidation, enrich.StageLoad}[i%3]
				first, err := s.WriteSeq(context.Background(), &enrich.Result{Payload: testPayload(i), Outputs: []enrich.Output{out(st, id)}})
				if err != nil {
					errs <- err
					return
				}
				// Read your writes: the record is visible as soon as Write returns.
				rec, ok, err := s.Get(first)
				if err != nil || !ok || idOf(rec) != id {
					errs <- fmt.Errorf("Get(%d) after writing %s = %v, %v", first, id, ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, id := range collect(t, func(fn func(*Record) bool) error { return s.Since(0, fn) }) {
		seen[id]++
	}
	if len(seen) != writers*each {
		t.Errorf("%d distinct records, want %d", len(seen), writers*each)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s stored %d times", id, n)
		}
	}
	want := Counts{Good: 16 * 14, Bad: 16 * 26, Incomplete: 16 * 13}
	if got := s.Counts(); got != want {
		t.Errorf("Counts() = %+v, want %+v", got, want)
	}
	st := s.Stats()
	if st.Writes != writers*each || st.Records != writers*each || st.Batches == 0 || st.Batches > st.Writes {
		t.Errorf("Stats() = %+v", st)
	}
	t.Logf("%d writes in %d batches", st.Writes, st.Batches)
}

func TestReset(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeSample(t, s)
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		if got := s.Counts(); got != (Counts{}) {
			t.Errorf("Counts() after reset = %+v", got)
		}
		for _, iter := range []func(func(*Record) bool) error{s.Good, s.Bad, s.Events} {
			if got := collect(t, iter); len(got) != 0 {
				t.Errorf("records after reset: %q", got)
			}
		}
		if _, ok, err := s.Oldest(); ok || err != nil {
			t.Errorf("Oldest() after reset = %v, %v", ok, err)
		}
	}
	check()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check()
	firsts := writeSample(t, s)
	if firsts[0] != 7 {
		t.Errorf("first sequence after reset = %d, want 7 (sequences keep increasing)", firsts[0])
	}
	checkSample(t, s)
}

func TestWriteRejectsBrokenResults(t *testing.T) {
	s := openTest(t, Options{})
	tests := []struct {
		name string
		r    *enrich.Result
		want string
	}{
		{"nil", nil, "without a payload"},
		{"no payload", &enrich.Result{Outputs: []enrich.Output{out(enrich.StageGood, "a")}}, "without a payload"},
		{"good without event", &enrich.Result{Payload: testPayload(1), Outputs: []enrich.Output{{Stage: enrich.StageGood}}}, "without an event"},
		{"validation without event", &enrich.Result{Payload: testPayload(1), Outputs: []enrich.Output{{Stage: enrich.StageValidation, BadRow: []byte("{}")}}}, "incomplete event"},
		{"failure without bad row", &enrich.Result{Payload: testPayload(1), Outputs: []enrich.Output{out(enrich.StageGood, "a"), {Stage: enrich.StageAdapter}}}, "output 1: failure without a bad row"},
		{"unknown stage", &enrich.Result{Payload: testPayload(1), Outputs: []enrich.Output{{Stage: 9, BadRow: []byte("{}")}}}, "unknown stage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Write(context.Background(), tt.r)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Write() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if got := s.Counts(); got != (Counts{}) {
		t.Errorf("Counts() = %+v after rejected writes", got)
	}
}

func TestWriteContextCancelled(t *testing.T) {
	s := openTest(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Write(ctx, &enrich.Result{Payload: testPayload(1), Outputs: []enrich.Output{out(enrich.StageGood, "a")}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Write(cancelled ctx) = %v, want context.Canceled", err)
	}
	if got := s.Counts(); got != (Counts{}) {
		t.Errorf("Counts() = %+v after a cancelled write", got)
	}
}

func TestWriteContextCancelledWhileQueueFull(t *testing.T) {
	// A store whose writer never reads: the enqueue blocks until ctx is done.
	s := &Store{queue: make(chan *request), z: testCompressor(t)}
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	err := s.Write(ctx, &enrich.Result{Payload: testPayload(1), Outputs: []enrich.Output{out(enrich.StageGood, "a")}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Write() = %v, want context.Canceled", err)
	}
}

func TestClosed(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeSample(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	r := &enrich.Result{Payload: testPayload(1), Outputs: []enrich.Output{out(enrich.StageGood, "a")}}
	for name, err := range map[string]error{
		"Write":   s.Write(context.Background(), r),
		"Reset":   s.Reset(),
		"Healthy": s.Healthy(),
		"Good":    s.Good(func(*Record) bool { return true }),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func TestCloseWaitsForQueuedWrites(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	var wg sync.WaitGroup
	var acked sync.Map
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprint(i)
			if err := s.Write(context.Background(), &enrich.Result{Payload: testPayload(i), Outputs: []enrich.Output{out(enrich.StageGood, id)}}); err == nil {
				acked.Store(id, true)
			} else if !errors.Is(err, ErrClosed) {
				t.Error(err)
			}
		})
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stored := map[string]bool{}
	for _, id := range collect(t, s.Good) {
		stored[id] = true
	}
	acked.Range(func(k, _ any) bool {
		if !stored[k.(string)] {
			t.Errorf("acknowledged write %s lost by Close", k)
		}
		return true
	})
	if s.Counts().Good != len(stored) {
		t.Errorf("Counts().Good = %d, %d stored", s.Counts().Good, len(stored))
	}
}

func TestFailedCommitFailsBatch(t *testing.T) {
	s := openTest(t, Options{})
	writeSample(t, s)
	size, err := s.Size()
	if err != nil {
		t.Fatal(err)
	}
	s.db.MaxSize = int(size) // nothing may grow the file
	big := make([]enrich.Output, 2000)
	for i := range big {
		big[i] = out(enrich.StageGood, strings.Repeat("x", 1000))
	}
	// Drive the writer's commit directly to control the batch; the writer goroutine is idle.
	batch := []*request{
		{res: &enrich.Result{Payload: testPayload(5), Outputs: []enrich.Output{out(enrich.StageGood, "small")}}, errc: make(chan error, 1)},
		{res: &enrich.Result{Payload: testPayload(6), Outputs: big}, errc: make(chan error, 1)},
	}
	s.commit(batch)
	for i, req := range batch {
		if err := <-req.errc; err == nil {
			t.Errorf("write %d of a failed batch succeeded", i)
		}
	}
	if err := s.Healthy(); err == nil || !errors.Is(err, berrors.ErrMaxSizeReached) {
		t.Errorf("Healthy() after a failed commit = %v", err)
	}
	checkSample(t, s)
	if st := s.Stats(); st.Failed != 2 {
		t.Errorf("Stats().Failed = %d, want 2", st.Failed)
	}
	s.db.MaxSize = 0
	first, err := s.WriteSeq(context.Background(), batch[0].res)
	if err != nil || first != 7 {
		t.Errorf("write after a failed commit = %d, %v; want sequence 7", first, err)
	}
	if err := s.Healthy(); err != nil {
		t.Errorf("Healthy() after a good commit = %v", err)
	}
}

func TestOpenChecksFormat(t *testing.T) {
	tests := []struct {
		name  string
		setup func(tx *bolt.Tx) error
		want  string
	}{
		{"newer format", func(tx *bolt.Tx) error {
			return putUint(tx.Bucket(bucketMeta), keyFormat, FormatVersion+1)
		}, "written by a newer plowbox"},
		{"no format", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Delete(keyFormat)
		}, "no format version"},
		{"foreign file", func(tx *bolt.Tx) error {
			return tx.DeleteBucket(bucketMeta)
		}, "not a plowbox store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.db.Update(tt.setup); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s, err = Open(dir, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestReservedBuckets(t *testing.T) {
	s := openTest(t, Options{})
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketSchemas, bucketSettings} {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("bucket %s missing", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func TestIterationAcrossChunks(t *testing.T) {
	s := openTest(t, Options{})
	const n = 3*maxChunk + 7
	r := &enrich.Result{Payload: testPayload(1)}
	var wantGood, wantAll []string
	for i := range n {
		id := fmt.Sprint(i)
		st := enrich.StageGood
		if i%3 == 1 {
			st = enrich.StageLoad
		} else {
			wantGood = append([]string{id}, wantGood...)
		}
		r.Outputs = append(r.Outputs, out(st, id))
		wantAll = append(wantAll, id)
	}
	if err := s.Write(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	// fn may write: the iteration holds no transaction while fn runs, and records newer
	// than its position are not visited.
	var got []string
	err := s.Good(func(rec *Record) bool {
		got = append(got, idOf(rec))
		if len(got)%500 == 0 {
			if err := s.Write(context.Background(), &enrich.Result{Payload: testPayload(2), Outputs: []enrich.Output{out(enrich.StageGood, "new")}}); err != nil {
				t.Error(err)
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wantGood) {
		t.Errorf("Good gave %d records, want %d in order", len(got), len(wantGood))
	}
	got = nil
	if err := s.Since(0, func(rec *Record) bool {
		if id := idOf(rec); id != "new" {
			got = append(got, id)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wantAll) {
		t.Errorf("Since(0) gave %d records, want %d in order", len(got), len(wantAll))
	}
	if err := s.Since(math.MaxUint64, func(*Record) bool { t.Error("record after the last"); return true }); err != nil {
		t.Error(err)
	}
	// A reset during an iteration ends it.
	visited := 0
	if err := s.Bad(func(*Record) bool {
		visited++
		if visited == 1 {
			if err := s.Reset(); err != nil {
				t.Error(err)
			}
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if visited != firstChunk {
		t.Errorf("Bad visited %d records across a reset, want the first chunk (%d)", visited, firstChunk)
	}
}

func TestPanicFailsBatchOnly(t *testing.T) {
	s := openTest(t, Options{})
	// A request that bypassed checkResult: encoding its nil payload panics.
	req := &request{res: &enrich.Result{Outputs: []enrich.Output{out(enrich.StageGood, "a")}}, errc: make(chan error, 1)}
	s.commit([]*request{req})
	if err := <-req.errc; err == nil || !strings.Contains(err.Error(), "panic") {
		t.Errorf("write of a panicking batch = %v", err)
	}
	writeSample(t, s)
	checkSample(t, s)
}
