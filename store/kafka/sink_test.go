package kafka

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/follow"
)

// expected is what the topics must hold for the records of a store.
type expected struct {
	raw  []*collector.Payload
	good []*event.Event
	bad  [][]byte
}

func expect(t testing.TB, st *store.Store) expected {
	t.Helper()
	var e expected
	last := uint64(0)
	if err := st.Since(0, func(r *store.Record) bool {
		if r.PayloadSeq != last && r.Stage != enrich.StageSize {
			e.raw = append(e.raw, r.Payload)
		}
		last = r.PayloadSeq
		if r.Stage == enrich.StageGood {
			e.good = append(e.good, r.Event)
		} else {
			e.bad = append(e.bad, r.BadRow)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

// checkTopics consumes the three topics and checks that each holds exactly the expected
// messages, in any order, each at least once; it returns the number of duplicates.
func checkTopics(t *testing.T, rg *rig, brokers []string, want expected) (dups int) {
	t.Helper()
	// Raw: every payload but the oversized one, decoded from Thrift back to the same
	// collector payload.
	wantRaw := map[string]int{}
	for _, p := range want.raw {
		wantRaw[payloadKey(t, p)]++
	}
	gotRaw := map[string]int{}
	for _, m := range consume(t, brokers, rawTopic, len(want.raw)) {
		p, err := unmarshalCollectorPayload(m.Value)
		if err != nil {
			t.Fatalf("raw message is not a Thrift CollectorPayload: %v", err)
		}
		if len(m.Key) != 36 {
			t.Errorf("raw key %q is not a UUID", m.Key)
		}
		gotRaw[payloadKey(t, p)]++
	}
	dups += compareCounts(t, "raw", gotRaw, wantRaw)

	// Good: each line parses back to the 131 fields of the stored event.
	wantGood := map[string]int{}
	for _, e := range want.good {
		wantGood[e.Get(event.EventID)]++
	}
	gotGood := map[string]int{}
	for _, m := range consume(t, brokers, goodTopic, len(want.good)) {
		cols := strings.Split(string(m.Value), "\t")
		if len(cols) != event.NumFields {
			t.Fatalf("enriched line has %d fields, want %d: %q", len(cols), event.NumFields, m.Value)
		}
		id := cols[event.EventID]
		i := slices.IndexFunc(want.good, func(e *event.Event) bool { return e.Get(event.EventID) == id })
		if i < 0 {
			t.Fatalf("enriched event %s was not stored", id)
		}
		e := want.good[i]
		for f := range event.NumFields {
			switch event.Fields[f].Kind {
			case event.KindContexts, event.KindUnstruct:
				if e.IsSet(event.Field(f)) && !strings.Contains(cols[f], e.Get(event.Field(f))) {
					t.Errorf("event %s: %s = %q, want it to wrap %q", id, event.Fields[f].Name, cols[f], e.Get(event.Field(f)))
				}
			default:
				if got, want := cols[f], event.CleanTSV(e.Get(event.Field(f))); got != want {
					t.Errorf("event %s: %s = %q, want %q", id, event.Fields[f].Name, got, want)
				}
			}
		}
		gotGood[id]++
	}
	dups += compareCounts(t, "good", gotGood, wantGood)

	// Bad: each bad row valid against its Iglu Central schema.
	wantBad := map[string]int{}
	for _, b := range want.bad {
		wantBad[string(b)]++
	}
	gotBad := map[string]int{}
	for _, m := range consume(t, brokers, badTopic, len(want.bad)) {
		var sdj struct {
			Schema string          `json:"schema"`
			Data   json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(m.Value, &sdj); err != nil {
			t.Fatalf("bad row is not JSON: %v", err)
		}
		if v := rg.validator.Validate(context.Background(), sdj.Schema, sdj.Data); v.Error != nil {
			t.Errorf("bad row not valid against %s: %+v", sdj.Schema, v.Error)
		}
		gotBad[string(m.Value)]++
	}
	dups += compareCounts(t, "bad", gotBad, wantBad)
	return dups
}

// payloadKey identifies a payload by its JSON.
func payloadKey(t testing.TB, p *collector.Payload) string {
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// compareCounts fails when a wanted message is missing or an unwanted one is there, and
// returns the number of extra copies.
func compareCounts(t *testing.T, topic string, got, want map[string]int) (dups int) {
	t.Helper()
	for k, n := range want {
		if got[k] < n {
			t.Errorf("%s topic: %d of %d copies of %.200s", topic, got[k], n, k)
		}
		dups += max(got[k]-n, 0)
	}
	for k := range got {
		if want[k] == 0 {
			t.Errorf("%s topic: unexpected message %.200s", topic, k)
		}
	}
	return dups
}

// Every stored record reaches its topic exactly as Snowplow's pipeline would write it.
func TestSinksWriteSnowplowTopics(t *testing.T) {
	rg := newRig(t)
	for range 3 {
		rg.mix()
	}
	want := expect(t, rg.st)
	if len(want.good) != 6 || len(want.bad) != 12 || len(want.raw) != 12 {
		t.Fatalf("the mix stored %d good, %d bad, %d raw payloads; the test expects 6, 12, 12", len(want.good), len(want.bad), len(want.raw))
	}
	c := cluster(t)
	s := startSinks(t, rg.st, c.ListenAddrs(), follow.Options{Batch: 4})
	waitDelivered(t, rg.st, s, 20*time.Second)
	if dups := checkTopics(t, rg, c.ListenAddrs(), want); dups != 0 {
		t.Errorf("%d duplicates without a single failure", dups)
	}
	for _, f := range s.Followers() {
		if st := f.Stats(); st.Failures != 0 || st.Retried != 0 || f.Lag() != 0 {
			t.Errorf("%s: lag %d, stats %+v", f.Name(), f.Lag(), st)
		}
	}
}

// A sink restarted mid-payload (its cursor between two records of one payload) does not
// write that payload to the raw topic again.
func TestRawSinkResumesMidPayload(t *testing.T) {
	rg := newRig(t)
	rg.mix()
	c := cluster(t)
	// Deliver the first two records only: the page view and the first event of the batch.
	var first []*kgo.Record
	s, err := OpenSinks(SinkConfig{Conn: Conn{Brokers: c.ListenAddrs()}, RawTopic: rawTopic, FromStart: true}, rg.st, follow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs := []*store.Record{}
	rg.st.Since(0, func(r *store.Record) bool { recs = append(recs, r); return len(recs) < 2 })
	raw := &rawMessages{log: rg.st}
	p := &producer{client: s.client, topic: rawTopic, msg: raw.message}
	if n, err := p.deliver(context.Background(), recs); n != 2 || err != nil {
		t.Fatalf("deliver: %d, %v", n, err)
	}
	first = consume(t, c.ListenAddrs(), rawTopic, 2)
	if len(first) != 2 {
		t.Fatalf("%d raw messages for a page view and a batch", len(first))
	}
	// A fresh producer, as after a restart, resumes at the batch's second record.
	rest := []*store.Record{}
	rg.st.Since(recs[1].Seq, func(r *store.Record) bool { rest = append(rest, r); return true })
	p = &producer{client: s.client, topic: rawTopic, msg: raw.message}
	if n, err := p.deliver(context.Background(), rest); n != len(rest) || err != nil {
		t.Fatalf("deliver: %d, %v", n, err)
	}
	s.Close()
	// The batch's second record shares the batch's payload; then the two payload-level
	// failures; the oversized payload has none.
	if got := consume(t, c.ListenAddrs(), rawTopic, 4); len(got) != 4 {
		t.Fatalf("%d raw messages, want 4", len(got))
	}
}

// The broker stopped under load and restarted: the collector's writes never wait for it,
// the sinks' lag grows, and once it is back every record reaches its topic; duplicates
// come only from retried records and are counted. PLOWBOX_SLOW_TESTS=1 keeps the broker
// down for a minute.
func TestSinksSurviveBrokerOutage(t *testing.T) {
	outage := 0 * time.Second
	if os.Getenv("PLOWBOX_SLOW_TESTS") == "1" {
		outage = time.Minute
	}
	rg := newRig(t)
	kdir := t.TempDir()
	c := cluster(t, kfake.DataDir(kdir))
	brokers := c.ListenAddrs()
	_, port, _ := net.SplitHostPort(brokers[0])
	s := startSinks(t, rg.st, brokers, follow.Options{Batch: 50, MaxBackoff: 500 * time.Millisecond})

	// Load: 200 mixes (1,000 records) a second, as trackers would send them.
	stop := make(chan struct{})
	loadDone := make(chan int)
	var slowest atomic.Int64
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		n := 0
		for {
			select {
			case <-stop:
				loadDone <- n
				return
			case <-tick.C:
			}
			start := time.Now()
			rg.mix()
			slowest.Store(max(slowest.Load(), int64(time.Since(start))))
			n++
		}
	}()
	waitDelivered(t, rg.st, s, 20*time.Second) // the sinks keep up before the outage

	c.Close()
	down := time.Now()
	// Down: every sink fails, and its lag grows while the writes go on.
	for _, f := range s.Followers() {
		for f.Stats().Failures == 0 {
			<-f.Progress()
		}
	}
	for time.Since(down) < outage {
		time.Sleep(100 * time.Millisecond) // the outage itself, not a synchronisation
	}
	lagged := rg.st.LastSeq()
	for _, f := range s.Followers() {
		if f.Cursor() >= lagged {
			t.Errorf("%s: cursor %d caught up with %d while the broker was down", f.Name(), f.Cursor(), lagged)
		}
		if f.Stats().LastError == "" {
			t.Errorf("%s: no error shown while the broker is down", f.Name())
		}
	}

	p, _ := strconv.Atoi(port)
	c2, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(p), kfake.DataDir(kdir), kfake.SeedTopics(3, rawTopic, goodTopic, badTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c2.Close)
	close(stop)
	mixes := <-loadDone
	waitDelivered(t, rg.st, s, 60*time.Second)
	caughtUp := time.Since(down)

	want := expect(t, rg.st)
	dups := checkTopics(t, rg, brokers, want)
	var retried uint64
	for _, f := range s.Followers() {
		retried += f.Stats().Retried
	}
	if uint64(dups) > retried {
		t.Errorf("%d duplicates, but only %d records were retried", dups, retried)
	}
	t.Logf("%d mixes (%d records), caught up %s after the broker stopped: %d duplicates, %d records retried, slowest write %s",
		mixes, len(want.good)+len(want.bad), caughtUp.Round(time.Millisecond), dups, retried, time.Duration(slowest.Load()))
}
