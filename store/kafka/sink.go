package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/follow"
)

// SinkConfig says which topics the sinks write; an empty topic turns its sink off.
//
// Message keys follow Snowplow's own producers, so that a topic partitions the way a
// real pipeline's does: the collector keys each raw payload with a random UUID (or, with
// useIpAddressAsPartitionKey, its IP address: RawKeyByIP); Enrich keys each enriched
// event with a random UUID unless its partitionKey names an atomic field (GoodKeyField);
// bad rows get a random UUID. Kafka's default partitioner then hashes the key (murmur2).
type SinkConfig struct {
	Conn
	RawTopic, GoodTopic, BadTopic string
	// RawKeyByIP keys raw payloads with their IP address instead of a random UUID.
	RawKeyByIP bool
	// GoodKeyField keys enriched events with this atomic field (app_id, event_id,
	// domain_userid, …; the TSV name); "" means a random UUID.
	GoodKeyField string
	// DeliveryTimeout bounds one produce before it counts as failed and is retried; 0
	// means 10 s.
	DeliveryTimeout time.Duration
	// FromStart makes a sink seen for the first time deliver every stored record, not
	// only those committed after it started.
	FromStart bool
}

// Log is what the sinks read of the store: the follower's log and single records.
type Log interface {
	follow.Log
	Get(seq uint64) (*store.Record, bool, error)
}

// Sinks are the Kafka sinks of one cluster, one follower per topic, sharing a client.
type Sinks struct {
	client    *kgo.Client
	followers []*follow.Follower
}

// Follower names, which are also the settings keys of their cursors.
const (
	RawSinkName  = "kafka-raw"
	GoodSinkName = "kafka-good"
	BadSinkName  = "kafka-bad"
)

// OpenSinks connects to the cluster and creates a follower for each configured topic.
// Nothing is produced until Run.
func OpenSinks(cfg SinkConfig, log Log, fopts follow.Options) (*Sinks, error) {
	keyField := event.Field(-1)
	if cfg.GoodKeyField != "" {
		i := slices.IndexFunc(event.Fields[:], func(fi event.FieldInfo) bool { return fi.Name == cfg.GoodKeyField })
		if i < 0 {
			return nil, fmt.Errorf("kafka: good partition key %q is not an atomic field", cfg.GoodKeyField)
		}
		keyField = event.Field(i)
	}
	opts, err := cfg.Conn.options()
	if err != nil {
		return nil, err
	}
	timeout := cfg.DeliveryTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	// A second between metadata refreshes (franz-go's default is 5 s) lets a sink find a
	// restarted broker soon after it is back.
	opts = append(opts, kgo.RecordDeliveryTimeout(timeout), kgo.ProducerLinger(0), kgo.MetadataMinAge(time.Second))
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	s := &Sinks{client: client}
	fopts.FromStart = fopts.FromStart || cfg.FromStart
	add := func(name, topic string, msg messageFunc) error {
		if topic == "" {
			return nil
		}
		p := &producer{client: client, topic: topic, msg: msg}
		f, err := follow.New(name, log, p.deliver, fopts)
		if err != nil {
			return err
		}
		s.followers = append(s.followers, f)
		return nil
	}
	raw := &rawMessages{log: log, byIP: cfg.RawKeyByIP}
	if err := errors.Join(
		add(RawSinkName, cfg.RawTopic, raw.message),
		add(GoodSinkName, cfg.GoodTopic, goodMessage(keyField)),
		add(BadSinkName, cfg.BadTopic, badMessage),
	); err != nil {
		client.Close()
		return nil, err
	}
	return s, nil
}

// Followers returns the sinks' followers, one per configured topic.
func (s *Sinks) Followers() []*follow.Follower { return s.followers }

// Run runs every sink until ctx is done.
func (s *Sinks) Run(ctx context.Context) {
	done := make(chan struct{}, len(s.followers))
	for _, f := range s.followers {
		go func() { f.Run(ctx); done <- struct{}{} }()
	}
	for range s.followers {
		<-done
	}
}

// Close closes the client; call it after Run has returned.
func (s *Sinks) Close() { s.client.Close() }

// messageFunc returns the message of one record, nil when the record has none for the
// topic. prev is the record before rec in the log, nil when unknown.
type messageFunc func(rec, prev *store.Record) (*kgo.Record, error)

// producer delivers records to one topic.
type producer struct {
	client *kgo.Client
	topic  string
	msg    messageFunc
	prev   *store.Record // the last delivered record
}

// deliver is the follower's Deliver: it produces the messages of recs and waits for
// their acknowledgement.
func (p *producer) deliver(ctx context.Context, recs []*store.Record) (int, error) {
	msgs := make([]*kgo.Record, 0, len(recs))
	owner := make([]int, 0, len(recs)) // the index in recs of each message's record
	prev := p.prev
	for i, r := range recs {
		if r.Tapped() { // it came from a pipeline's topic: never write it back
			prev = r
			continue
		}
		m, err := p.msg(r, prev)
		if err != nil {
			return p.done(recs, i), err
		}
		prev = r
		if m == nil {
			continue
		}
		m.Topic = p.topic
		msgs = append(msgs, m)
		owner = append(owner, i)
	}
	if len(msgs) == 0 {
		return p.done(recs, len(recs)), nil
	}
	for j, res := range p.client.ProduceSync(ctx, msgs...) {
		if res.Err != nil {
			return p.done(recs, owner[j]), fmt.Errorf("produce to %s: %w", p.topic, res.Err)
		}
	}
	return p.done(recs, len(recs)), nil
}

// done remembers the last of the first n records as delivered and returns n.
func (p *producer) done(recs []*store.Record, n int) int {
	if n > 0 {
		p.prev = recs[n-1]
	}
	return n
}

// randomKey is a random UUID as Snowplow's producers use for keys.
func randomKey() []byte { return []byte(uuid.NewString()) }

// rawMessages makes the raw topic's messages: one Thrift CollectorPayload per payload,
// at the payload's first record.
type rawMessages struct {
	log  Log
	byIP bool
}

func (m *rawMessages) message(rec, prev *store.Record) (*kgo.Record, error) {
	if prev == nil && rec.Seq > 1 {
		// The follower resumed: was the record before this one of the same payload?
		p, ok, err := m.log.Get(rec.Seq - 1)
		if err != nil {
			return nil, fmt.Errorf("read record %d: %w", rec.Seq-1, err)
		}
		if ok {
			prev = p
		}
	}
	if prev != nil && prev.PayloadSeq == rec.PayloadSeq {
		return nil, nil
	}
	// Oversized payloads never reach Snowplow's raw stream: the collector writes their
	// size_violation bad row to its bad stream instead (the bad topic here).
	if rec.Stage == enrich.StageSize || rec.Payload == nil {
		return nil, nil
	}
	key := randomKey()
	if m.byIP {
		key = []byte(rec.Payload.IPAddress)
	}
	return &kgo.Record{Key: key, Value: MarshalCollectorPayload(rec.Payload)}, nil
}

// goodMessage makes the enriched topic's messages: each good event as its enriched TSV
// line, keyed by field (a random UUID when field is -1).
func goodMessage(field event.Field) messageFunc {
	return func(rec, _ *store.Record) (*kgo.Record, error) {
		if rec.Stage != enrich.StageGood || rec.Event == nil {
			return nil, nil
		}
		key := randomKey()
		if field >= 0 {
			key = []byte(rec.Event.Get(field))
		}
		return &kgo.Record{Key: key, Value: rec.Event.TSV()}, nil
	}
}

// badMessage makes the bad-row topic's messages: each bad row as its self-describing JSON.
func badMessage(rec, _ *store.Record) (*kgo.Record, error) {
	if rec.Stage == enrich.StageGood || rec.BadRow == nil {
		return nil, nil
	}
	return &kgo.Record{Key: randomKey(), Value: rec.BadRow}, nil
}
