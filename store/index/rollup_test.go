package index

import (
	"context"
	"math/rand/v2"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
)

// sendAt sends a tracker event (or, with bad, a payload bad row) collected at at.
func (e *env) sendAt(at time.Time, bad bool, params ...string) {
	e.t.Helper()
	q := url.Values{"tv": {"js-3.0.0"}}
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	ua := "Mozilla/5.0 (test)"
	path := "/i"
	if bad {
		path = "/com.unknown/v1"
	}
	p := &collector.Payload{
		Schema: collector.PayloadSchema, IPAddress: "203.0.113.7", Timestamp: at,
		Encoding: "UTF-8", Collector: "plowbox-1.0.0", UserAgent: &ua, Path: path, Querystring: q.Encode(),
		Headers: []string{"Host: localhost"},
	}
	res := e.en.Process(context.Background(), p)
	e.n++
	if _, err := e.st.WriteSeq(context.Background(), res); err != nil {
		e.t.Fatal(err)
	}
}

// fill sends n generated records spread over the hour after t0, seconds apart at
// random: page views, struct and self-describing events of three apps and two
// platforms, incomplete events and payload bad rows.
func (e *env) fill(rng *rand.Rand, n int) {
	e.t.Helper()
	apps := []string{"shop", "Blog", "checkout"}
	for range n {
		at := t0.Add(time.Duration(rng.IntN(3600)) * time.Second).Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
		app, pf := apps[rng.IntN(len(apps))], []string{"web", "mob"}[rng.IntN(2)]
		switch rng.IntN(10) {
		case 0:
			e.sendAt(at, true, "secret", "x")
		case 1:
			e.sendAt(at, false, "e", "ue", "aid", app, "p", pf, "ue_pr", unstruct("iglu:com.acme.bad/order/jsonschema/1-0-0", `{"sku":"X1"}`))
		case 2, 3:
			e.sendAt(at, false, "e", "ue", "aid", app, "p", pf, "ue_pr", unstruct("iglu:com.acme/click/jsonschema/1-0-0", `{"target":"Buy"}`))
		case 4:
			e.sendAt(at, false, "e", "se", "aid", app, "p", pf, "se_ca", "c", "se_ac", "a")
		default:
			e.sendAt(at, false, "e", "pv", "aid", app, "p", pf)
		}
	}
}

// rollupQueries are the shapes the rollup answers, over whole and partial minutes.
func rollupQueries() []Query {
	facets := []string{"event_name", "app_id", "platform", "schema", "failure_type", "kind", "source", "run"}
	at := func(m, s int) time.Time { return t0.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second) }
	return []Query{
		{Facets: facets},
		{Facets: facets, FacetSize: 2},
		{Size: 1, Facets: facets, Histogram: Histogram{Interval: 10 * time.Minute}, Start: at(0, 0), End: at(61, 0)},
		{Facets: facets, Start: at(5, 17), End: at(47, 41)},
		{Facets: facets, Start: at(12, 30)},
		{Facets: facets, End: at(33, 1)},
		{Facets: facets, Start: at(20, 10), End: at(20, 50)},
		{Facets: facets, Kinds: []string{KindBad, KindIncomplete}, Histogram: Histogram{Interval: 5 * time.Minute}, Start: at(3, 3)},
		{Q: "event_name:page_view", Histogram: Histogram{Interval: 30 * time.Minute}, Start: at(7, 59)},
		{Q: "app_id:Blog", Kinds: []string{KindGood}, Histogram: Histogram{Interval: time.Minute}},
		{Q: "kind:bad", Size: 5},
		{Q: "event_name:nothing", Histogram: Histogram{Interval: time.Minute}},
		{Histogram: Histogram{Interval: 15 * time.Minute}, End: at(50, 30)},
		{Buckets: []TimeRange{{Start: at(0, 0), End: at(10, 0)}, {Start: at(5, 0), End: at(30, 0)}}, Start: at(2, 5), End: at(29, 55)},
		{Size: 3, Facets: []string{"kind"}, From: 2},
	}
}

// checkRollup runs every query of rollupQueries with the rollup and without it, and fails
// when the answers differ or when the rollup did not answer.
func (e *env) checkRollup(step string) {
	e.t.Helper()
	for i, q := range rollupQueries() {
		e.ix.roll.off = false
		before := e.ix.roll.answered.Load()
		got, err := e.ix.Search(context.Background(), q)
		if err != nil {
			e.t.Fatalf("%s: query %d: %v", step, i, err)
		}
		if e.ix.roll.answered.Load() == before {
			e.t.Errorf("%s: query %d (%+v) was not answered by the rollup", step, i, q)
		}
		e.ix.roll.off = true
		want, err := e.ix.Search(context.Background(), q)
		e.ix.roll.off = false
		if err != nil {
			e.t.Fatalf("%s: query %d without the rollup: %v", step, i, err)
		}
		got.Took, want.Took = 0, 0
		if !reflect.DeepEqual(got, want) {
			e.t.Errorf("%s: query %d (%+v)\nrollup: %+v\nbleve:  %+v", step, i, q, got, want)
		}
	}
}

// checkRollupOff fails when the rollup answers a query.
func (e *env) checkRollupOff(step string) {
	e.t.Helper()
	before := e.ix.roll.answered.Load()
	if _, err := e.ix.Search(context.Background(), rollupQueries()[0]); err != nil {
		e.t.Fatal(err)
	}
	if e.ix.roll.answered.Load() != before {
		e.t.Errorf("%s: the rollup answered before it was rebuilt", step)
	}
}

// settle writes one record and waits until it is indexed: the follower has then applied
// every deletion reported before it.
func (e *env) settle(rng *rand.Rand) {
	e.t.Helper()
	e.fill(rng, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.ix.Sync(ctx, e.st.LastSeq()); err != nil {
		e.t.Fatal(err)
	}
	e.sync()
	if err := e.ix.roll.waitReady(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// TestRollupMatchesBleve compares the rollup's answers with bleve's through a store's
// life: records, deletions of the oldest (retention) and out of order, a replayed bad
// row, a restart (the rollup rebuilt from the index) and a reset.
func TestRollupMatchesBleve(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	e := newEnv(t)
	e.fill(rng, 400)
	e.settle(rng)
	e.checkRollup("filled")

	ctx := context.Background()
	first := e.st.FirstSeq()
	var old []uint64
	for s := first; s < first+40; s++ {
		old = append(old, s)
	}
	if err := e.st.DeleteRecords(ctx, append(old, first+100, first+101, first+250)); err != nil {
		t.Fatal(err)
	}
	e.settle(rng)
	e.checkRollup("deleted")

	bad, err := e.st.BadSeqs()
	if err != nil || len(bad) == 0 {
		t.Fatalf("BadSeqs = %v, %v", bad, err)
	}
	if _, err := e.st.Replay(ctx, e.en, bad[:1]); err != nil {
		t.Fatal(err)
	}
	e.settle(rng)
	e.checkRollup("replayed")

	if err := e.ix.Close(); err != nil {
		t.Fatal(err)
	}
	// Records indexed after the restart while the rebuild waits are counted beside it.
	e.fill(rng, 50)
	hold := make(chan struct{})
	e.openWith(Options{rollHold: hold})
	e.sync()
	e.checkRollupOff("reopened, rebuilding")
	close(hold)
	e.settle(rng)
	e.checkRollup("reopened")

	if err := e.st.Reset(); err != nil {
		t.Fatal(err)
	}
	e.fill(rng, 100)
	e.settle(rng)
	e.checkRollup("reset")
}

// TestRollupDrift checks that the comparison sees a rollup out of step with the index.
func TestRollupDrift(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	e := newEnv(t)
	e.fill(rng, 50)
	e.settle(rng)
	e.ix.roll.mu.Lock()
	for _, cs := range e.ix.roll.counts.cells {
		cs[0].n++
		break
	}
	e.ix.roll.mu.Unlock()
	total := func(off bool) uint64 {
		e.ix.roll.off = off
		defer func() { e.ix.roll.off = false }()
		res, err := e.ix.Search(context.Background(), Query{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	if on, off := total(false), total(true); on != off+1 {
		t.Errorf("drifted rollup: total %d, bleve %d: the drift is not seen", on, off)
	}
}
