package index

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestCatchUpAfterReopen(t *testing.T) {
	e := newEnv(t)
	e.track("e", "pv", "aid", "one")
	e.sync()
	if err := e.ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	e.track("e", "pv", "aid", "two")
	e.track("e", "pv", "aid", "three")
	e.open()
	e.sync()
	if got := e.seqs(Query{}); !reflect.DeepEqual(got, []uint64{3, 2, 1}) {
		t.Errorf("after reopen: %v, want [3 2 1]", got)
	}
	if st := e.ix.Stats(); st.Docs != 3 {
		t.Errorf("Docs = %d, want 3 (nothing indexed twice)", st.Docs)
	}
	if cols, _ := e.ix.Columns(context.Background()); !slices.Contains(cols, "app_id") {
		t.Errorf("columns not kept across reopen: %v", cols)
	}
}

// TestCleanCloseKeepsEverything checks that a clean Close leaves on disk every record the
// index had indexed: the reopened index starts where it stopped, with nothing to index
// again. Its follower is held at the gate, so the index cannot catch up behind the test's
// back.
func TestCleanCloseKeepsEverything(t *testing.T) {
	e := newEnv(t)
	if err := e.ix.Close(); err != nil {
		t.Fatal(err)
	}
	e.openWith(Options{BatchSize: 8}) // many small batches, each a segment bleve writes in the background
	const n = 200
	for i := range n {
		e.track("e", "pv", "aid", "shop", "page", fmt.Sprint("page ", i))
	}
	e.sync()
	if err := e.ix.Close(); err != nil {
		t.Fatal(err)
	}
	e.openWith(Options{gate: make(chan struct{})})
	last := e.st.LastSeq()
	if got := e.ix.Position(); got != last {
		t.Errorf("reopened at record %d, want %d: %d records to index again", got, last, last-got)
	}
	st := e.ix.Stats()
	if st.Lag != 0 || st.Docs != n {
		t.Errorf("after reopen: lag %d, %d documents, want lag 0 and %d documents", st.Lag, st.Docs, n)
	}
}

func TestReset(t *testing.T) {
	e := newEnv(t)
	e.sample()
	if err := e.st.Reset(); err != nil {
		t.Fatal(err)
	}
	seq := e.track("e", "pv", "aid", "after")
	e.sync()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := e.seqs(Query{})
		if reflect.DeepEqual(got, []uint64{seq}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Reset: %v, want [%d]", got, seq)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cols, _ := e.ix.Columns(context.Background())
	if slices.Contains(cols, "contexts_com_acme_user_1") {
		t.Errorf("columns survive Reset: %v", cols)
	}
	// A reset while the index is closed is noticed at Open.
	if err := e.ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Reset(); err != nil {
		t.Fatal(err)
	}
	e.open()
	e.sync()
	if got := e.seqs(Query{}); len(got) != 0 {
		t.Errorf("after Reset while closed: %v, want none", got)
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	e.sample()
	if err := e.ix.Delete(2, 5, 99); err != nil {
		t.Fatal(err)
	}
	if got := e.seqs(Query{}); !reflect.DeepEqual(got, []uint64{6, 4, 3, 1}) {
		t.Errorf("after Delete(2, 5): %v", got)
	}
	if err := e.ix.DeleteBefore(4); err != nil {
		t.Fatal(err)
	}
	if got := e.seqs(Query{}); !reflect.DeepEqual(got, []uint64{6, 4}) {
		t.Errorf("after DeleteBefore(4): %v", got)
	}
}

func TestSync(t *testing.T) {
	e := newEnv(t)
	// Read your writes: each event is found right after its write, once Sync returns.
	for i := range 20 {
		seq := e.track("e", "pv", "aid", "sync")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := e.ix.Sync(ctx, e.st.LastSeq())
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if got := e.seqs(Query{Size: 1}); len(got) != 1 || got[0] != seq {
			t.Fatalf("write %d: newest hit %v, want %d", i, got, seq)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := e.ix.Sync(ctx, e.st.LastSeq()+10); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Sync past the store = %v, want a deadline error", err)
	}
	e.ix.Close()
	if err := e.ix.Sync(context.Background(), e.st.LastSeq()+10); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close = %v, want ErrClosed", err)
	}
	e.ix = nil
}

func TestColumns(t *testing.T) {
	e := newEnv(t)
	e.sample()
	cols, err := e.ix.Columns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(cols) {
		t.Errorf("columns not sorted: %v", cols)
	}
	for _, c := range []string{
		"app_id", "collector_tstamp", "refr_device_tstamp", "event_name",
		"contexts_com_acme_user_1", "contexts_com_acme_user_1.plan", "contexts_com_acme_user_1.age",
		"contexts_com_acme_user_1._schema_version",
		"unstruct_event_com_acme_click_1", "unstruct_event_com_acme_click_1.target", "unstruct_event_com_acme_click_1.pos",
		"contexts_com_snowplowanalytics_snowplow_failure_1", // of the incomplete event
	} {
		if !slices.Contains(cols, c) {
			t.Errorf("columns lack %q", c)
		}
	}
	for _, c := range []string{"contexts", "unstruct_event", "derived_contexts", "unstruct_event_com_acme_click_1.pos.x", "seq", "kind"} {
		if slices.Contains(cols, c) {
			t.Errorf("columns have %q", c)
		}
	}
}

func TestDuplicateEventIDs(t *testing.T) {
	e := newEnv(t)
	const id = "22222222-2222-4222-8222-222222222222"
	e.track("e", "pv", "eid", id)
	e.track("e", "pv")
	e.track("e", "pv", "eid", id)
	e.sync()
	if got := e.seqs(Query{Filters: []Filter{{Field: "event_id", Values: []string{id}}}}); !reflect.DeepEqual(got, []uint64{3, 1}) {
		t.Errorf("records with event id %s: %v, want both", id, got)
	}
}

func TestManyFields(t *testing.T) {
	e := newEnv(t)
	var b []byte
	b = append(b, '{')
	for i := range 3000 {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `"f`...)
		b = append(b, []byte(time.Duration(i).String())...)
		b = append(b, `":1`...)
	}
	b = append(b, '}')
	seq := e.track("e", "pv", "aid", "wide", "co", contexts(entity("iglu:com.acme/wide/jsonschema/1-0-0", string(b))))
	e.sync()
	if got := e.seqs(Query{Q: "app_id:wide"}); !reflect.DeepEqual(got, []uint64{seq}) {
		t.Errorf("wide record: %v, want [%d]", got, seq)
	}
	if st := e.ix.Stats(); st.Unindexable < 2000 {
		t.Errorf("Unindexable = %d, want the fields past the cap counted", st.Unindexable)
	}
}
