package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/follow"
)

const igluCentral = "../../../shared/testdata/iglu-central"

// Topics of the tests' cluster.
const (
	rawTopic  = "snowplow-raw"
	goodTopic = "snowplow-enriched-good"
	badTopic  = "snowplow-bad"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// rig is a real store written by a real enricher validating against Iglu Central.
type rig struct {
	t         testing.TB
	dir       string
	st        *store.Store
	en        *enrich.Enricher
	validator *iglu.Validator
	n         int
}

func newRig(t testing.TB) *rig {
	t.Helper()
	r := iglu.NewResolver(iglu.Options{CacheSize: 100, Logger: quiet(),
		Repositories: []iglu.Repository{iglu.NewEmbeddedRepository("Iglu Central", 0, []string{}, igluCentral)}})
	v := iglu.NewValidator(r, quiet())
	rg := &rig{t: t, dir: t.TempDir(), validator: v,
		en: enrich.New(enrich.Config{Version: "1.0.0", Validator: v, MaxPayloadSize: 4000})}
	rg.open()
	t.Cleanup(func() { rg.st.Close() })
	return rg
}

func (rg *rig) open() {
	st, err := store.Open(rg.dir, store.Options{NoSync: true, Logger: quiet()})
	if err != nil {
		rg.t.Fatal(err)
	}
	rg.st = st
}

// write enriches p and stores the result, as the collector does before its 200.
func (rg *rig) write(p *collector.Payload) *enrich.Result {
	rg.t.Helper()
	res := rg.en.Process(context.Background(), p)
	if err := rg.st.Write(context.Background(), res); err != nil {
		rg.t.Fatal(err)
	}
	return res
}

// payload returns a collector payload of the kind the collector builds.
func (rg *rig) payload(path, query string, body *string) *collector.Payload {
	rg.n++
	p := &collector.Payload{Schema: collector.PayloadSchema, IPAddress: fmt.Sprintf("10.0.0.%d", rg.n%250+1),
		Timestamp: time.Now().UTC().Truncate(time.Millisecond), Encoding: "UTF-8", Collector: "plowbox-1.0.0",
		UserAgent: ptr("Mozilla/5.0 (kfake)"), Path: path, Querystring: query, Hostname: ptr("collector.example"),
		NetworkUserID: ptr("c6ef3124-b53a-4b13-a233-0088f79dcbcb"), Headers: []string{"Host: collector.example", "User-Agent: Mozilla/5.0 (kfake)"}}
	if body != nil {
		p.Body, p.ContentType = body, ptr("application/json")
		p.Headers = append(p.Headers, "application/json")
	}
	return p
}

// mix writes one payload of each kind the sinks treat differently: two good events, four
// bad rows (one of them an incomplete event) and five payloads, one of them oversized.
func (rg *rig) mix() {
	rg.t.Helper()
	// A page view.
	rg.write(rg.payload("/i", "e=pv&p=web&tv=js-3.0.0&aid=shop&eid="+uuid.NewString()+"&url="+url.QueryEscape("https://shop.example/cart?a=1\tb"), nil))
	// A TP2 batch of two: a structured event and a link click missing its targetUrl (a
	// schema violation, with an incomplete event).
	ue := `{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"schema":"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1","data":{"elementId":"x"}}}`
	body, _ := json.Marshal(map[string]any{
		"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
		"data": []map[string]string{
			{"e": "se", "p": "web", "tv": "js-3.0.0", "se_ca": "shop", "se_ac": "add", "eid": uuid.NewString()},
			{"e": "ue", "p": "web", "tv": "js-3.0.0", "ue_pr": ue, "eid": uuid.NewString()},
		},
	})
	rg.write(rg.payload("/com.snowplowanalytics.snowplow/tp2", "", ptr(string(body))))
	// A tracker protocol violation and an adapter failure: payload-level bad rows.
	rg.write(rg.payload("/i", "e=zz&p=web&tv=js-3.0.0&eid="+uuid.NewString(), nil))
	rg.write(rg.payload("/com.acme/v9", "x=1", nil))
	// An oversized payload: a size_violation bad row, and no raw message.
	rg.write(rg.payload("/com.snowplowanalytics.snowplow/tp2", "", ptr(`{"pad":"`+strings.Repeat("x", 5000)+`"}`)))
}

// cluster starts a kfake cluster with the three topics of three partitions each.
func cluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(3, rawTopic, goodTopic, badTopic)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// startSinks opens the sinks of every topic on brokers and runs them until the test ends.
func startSinks(t testing.TB, st *store.Store, brokers []string, fo follow.Options) *Sinks {
	t.Helper()
	s, err := OpenSinks(SinkConfig{Conn: Conn{Brokers: brokers}, RawTopic: rawTopic, GoodTopic: goodTopic, BadTopic: badTopic,
		FromStart: true, DeliveryTimeout: time.Second}, st, fo)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; s.Close() })
	return s
}

// waitDelivered waits until every follower's cursor reaches the store's last record.
func waitDelivered(t testing.TB, st *store.Store, s *Sinks, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for _, f := range s.Followers() {
		for {
			ch := f.Progress()
			if f.Cursor() >= st.LastSeq() {
				break
			}
			select {
			case <-ch:
			case <-deadline:
				t.Fatalf("follower %s: cursor %d, last record %d, stats %+v", f.Name(), f.Cursor(), st.LastSeq(), f.Stats())
			}
		}
	}
}

// consume reads every message of topic from the start until it has want of them (and
// then whatever else arrives within a short grace period, to catch extras).
func consume(t testing.TB, brokers []string, topic string, want int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	deadline := time.Now().Add(20 * time.Second)
	for len(out) < want && time.Now().Before(deadline) {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		fs := cl.PollFetches(ctx)
		cancel()
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	// Nothing more than want: a last short poll must come back empty.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	fs := cl.PollFetches(ctx)
	cancel()
	fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	return out
}
