package index

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"
)

// gatedEnv is an env whose follower indexes only when the test lets it: one round per
// value sent on gate.
func gatedEnv(t *testing.T) (*env, chan struct{}) {
	e := newEnv(t)
	e.ix.Close()
	gate := make(chan struct{})
	e.openWith(Options{gate: gate})
	return e, gate
}

// TestTailReadYourWrites checks that queries see records the follower has not indexed:
// search, counts, facets, paging and Sync, with some records indexed and some not, and
// no record counted twice once the follower catches up.
func TestTailReadYourWrites(t *testing.T) {
	e, gate := gatedEnv(t)
	a := e.track("e", "pv", "aid", "shop")
	b := e.track("e", "se", "aid", "blog", "se_ca", "c", "se_ac", "a")
	gate <- struct{}{} // one round: both indexed
	ctx := context.Background()
	if err := e.ix.WaitIndexed(ctx, b); err != nil {
		t.Fatal(err)
	}
	c := e.track("e", "pv", "aid", "shop")
	d := e.track("e", "pv", "aid", "shop", "eid", "22222222-2222-4222-8222-222222222222")
	if st := e.ix.Stats(); st.Lag != 2 {
		t.Fatalf("Lag = %d, want 2 (the follower is held)", st.Lag)
	}
	// Sync returns at once: committed records are searchable from the tail.
	sctx, cancel := context.WithTimeout(ctx, time.Second)
	if err := e.ix.Sync(sctx, d); err != nil {
		t.Errorf("Sync with the follower held = %v", err)
	}
	cancel()
	check := func(when string) {
		t.Helper()
		if got := e.seqs(Query{}); !reflect.DeepEqual(got, []uint64{d, c, b, a}) {
			t.Errorf("%s: all = %v, want [%d %d %d %d]", when, got, d, c, b, a)
		}
		if got := e.seqs(Query{Q: "app_id:shop"}); !reflect.DeepEqual(got, []uint64{d, c, a}) {
			t.Errorf("%s: app_id:shop = %v", when, got)
		}
		if got := e.seqs(Query{Q: "event_id:22222222-2222-4222-8222-222222222222"}); !reflect.DeepEqual(got, []uint64{d}) {
			t.Errorf("%s: by event_id = %v", when, got)
		}
		res, err := e.ix.Search(ctx, Query{Facets: []string{"app_id"}, Size: 2})
		if err != nil {
			t.Fatal(err)
		}
		if want := []Term{{"shop", 3}, {"blog", 1}}; res.Total != 4 || !reflect.DeepEqual(res.Facets["app_id"], want) {
			t.Errorf("%s: total %d, facets %v; want 4, %v", when, res.Total, res.Facets["app_id"], want)
		}
		next, err := e.ix.Search(ctx, Query{Size: 2, After: res.Next})
		if err != nil {
			t.Fatal(err)
		}
		if len(next.Hits) != 2 || next.Hits[0].Seq != b || next.Hits[1].Seq != a {
			t.Errorf("%s: second page %+v, want %d and %d", when, next.Hits, b, a)
		}
		if got := e.seqs(Query{Sort: []Sort{{Field: "seq"}}}); !reflect.DeepEqual(got, []uint64{a, b, c, d}) {
			t.Errorf("%s: oldest first = %v", when, got)
		}
	}
	check("half indexed")
	close(gate)
	if err := e.ix.WaitIndexed(ctx, d); err != nil {
		t.Fatal(err)
	}
	check("all indexed")
}

// TestTailDeletions checks that a replay's deleted bad row leaves search when Replay
// returns, with the follower held, and that its replacement is found.
func TestTailDeletions(t *testing.T) {
	e, gate := gatedEnv(t)
	good := e.track("e", "pv", "aid", "shop")
	bad := e.track("e", "ue", "aid", "shop", "ue_pr", unstruct("iglu:com.acme.bad/order/jsonschema/1-0-0", `{"sku":"X1"}`))
	gate <- struct{}{}
	ctx := context.Background()
	if err := e.ix.WaitIndexed(ctx, bad); err != nil {
		t.Fatal(err)
	}
	res, err := e.st.Replay(ctx, e.en, []uint64{bad})
	if err != nil || len(res.Records) != 1 {
		t.Fatalf("Replay = %+v, %v", res, err)
	}
	repl := res.Records[0].To
	if got := e.seqs(Query{}); !reflect.DeepEqual(got, []uint64{repl, good}) {
		t.Errorf("after Replay, follower held: %v, want [%d %d]", got, repl, good)
	}
	if got := e.seqs(Query{Kinds: []string{KindIncomplete}}); !reflect.DeepEqual(got, []uint64{repl}) {
		t.Errorf("incomplete after Replay: %v, want [%d]", got, repl)
	}
	close(gate)
	if err := e.ix.WaitIndexed(ctx, repl); err != nil {
		t.Fatal(err)
	}
	if got := e.seqs(Query{}); !reflect.DeepEqual(got, []uint64{repl, good}) {
		t.Errorf("after Replay, all indexed: %v", got)
	}
}

// TestTailDeletionsAcrossFollowerRounds checks that a record deleted while it is in the
// tail stays out of search after the follower has removed the index's copy but not yet
// indexed past it: the tail still holds its document until then.
func TestTailDeletionsAcrossFollowerRounds(t *testing.T) {
	e := newEnv(t)
	e.ix.Close()
	gate := make(chan struct{})
	e.openWith(Options{gate: gate, BatchSize: 1})
	a := e.track("e", "pv", "aid", "shop")
	bad := e.track("e", "ue", "aid", "shop", "ue_pr", unstruct("iglu:com.acme.bad/order/jsonschema/1-0-0", `{"sku":"X1"}`))
	c := e.track("e", "pv", "aid", "shop")
	if got := e.seqs(Query{}); !reflect.DeepEqual(got, []uint64{c, bad, a}) {
		t.Fatalf("before Replay, from the tail: %v, want [%d %d %d]", got, c, bad, a)
	}
	ctx := context.Background()
	res, err := e.st.Replay(ctx, e.en, []uint64{bad})
	if err != nil || len(res.Records) != 1 {
		t.Fatalf("Replay = %+v, %v", res, err)
	}
	repl := res.Records[0].To
	gate <- struct{}{} // one round: the deletion is applied, and one record indexed
	if err := e.ix.WaitIndexed(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := e.seqs(Query{}); !reflect.DeepEqual(got, []uint64{repl, c, a}) {
		t.Errorf("after one follower round: %v, want [%d %d %d] (the replaced bad row is gone)", got, repl, c, a)
	}
	close(gate)
	if err := e.ix.WaitIndexed(ctx, repl); err != nil {
		t.Fatal(err)
	}
	if got := e.seqs(Query{}); !reflect.DeepEqual(got, []uint64{repl, c, a}) {
		t.Errorf("all indexed: %v, want [%d %d %d]", got, repl, c, a)
	}
}

// TestReplayWhileIndexClosed checks that a bad row replaced while the index was not
// following (its deletion announced to nobody, as when plowbox crashed before bleve wrote
// it) leaves search once the index has indexed its replacement.
func TestReplayWhileIndexClosed(t *testing.T) {
	e := newEnv(t)
	good := e.track("e", "pv", "aid", "shop")
	bad := e.track("e", "ue", "aid", "shop", "ue_pr", unstruct("iglu:com.acme.bad/order/jsonschema/1-0-0", `{"sku":"X1"}`))
	ctx := context.Background()
	if err := e.ix.WaitIndexed(ctx, bad); err != nil {
		t.Fatal(err)
	}
	if err := e.ix.Close(); err != nil {
		t.Fatal(err)
	}
	e.ix = nil
	res, err := e.st.Replay(ctx, e.en, []uint64{bad})
	if err != nil || len(res.Records) != 1 {
		t.Fatalf("Replay = %+v, %v", res, err)
	}
	repl := res.Records[0].To
	e.open()
	if err := e.ix.WaitIndexed(ctx, repl); err != nil {
		t.Fatal(err)
	}
	if got := e.seqs(Query{}); !reflect.DeepEqual(got, []uint64{repl, good}) {
		t.Errorf("after the index caught up: %v, want [%d %d] (the replaced bad row gone)", got, repl, good)
	}
	res2, err := e.ix.Search(ctx, Query{Kinds: []string{KindBad, KindIncomplete}})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Total != 1 {
		t.Errorf("failed records counted: %d, want 1", res2.Total)
	}
}

// TestTailColumns checks that /micro/columns sees the columns of records the follower has
// not indexed yet: an entity first sent while the follower is held is listed at once.
func TestTailColumns(t *testing.T) {
	e, gate := gatedEnv(t)
	ctx := context.Background()
	a := e.track("e", "pv", "aid", "shop")
	gate <- struct{}{}
	if err := e.ix.WaitIndexed(ctx, a); err != nil {
		t.Fatal(err)
	}
	const col = "contexts_com_acme_user_1.name"
	has := func() bool {
		cols, err := e.ix.Columns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Contains(cols, col) && slices.Contains(cols, "app_id") && slices.IsSorted(cols)
	}
	if has() {
		t.Fatalf("%s listed before any record carried it", col)
	}
	b := e.track("e", "pv", "co", contexts(entity(userSchema, `{"name":"ann"}`)))
	if st := e.ix.Stats(); st.Lag != 1 {
		t.Fatalf("Lag = %d, want 1 (the follower is held)", st.Lag)
	}
	if !has() {
		t.Errorf("Columns with the follower held lacks %s, sent in the tail", col)
	}
	close(gate)
	if err := e.ix.WaitIndexed(ctx, b); err != nil {
		t.Fatal(err)
	}
	if !has() {
		t.Errorf("Columns once indexed lacks %s", col)
	}
}
