package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
)

// TapConfig says which topics of a running pipeline the tap reads.
type TapConfig struct {
	Conn
	// GoodTopic holds enriched TSV lines, BadTopic self-describing bad rows; an empty
	// topic is not read.
	GoodTopic, BadTopic string
	// Sample is the share of messages kept, in (0, 1]; 0 means 1. The choice hashes the
	// message, so that a message is kept or dropped the same way on every plowbox.
	Sample float64
	// Group is the consumer group; a new group starts at the end of the topics (live
	// traffic), a known one where it stopped.
	Group string
	// FromStart makes a new group start at the beginning of the topics.
	FromStart bool
}

// Writer is where the tap writes: the store.
type Writer interface {
	Write(ctx context.Context, r *enrich.Result) error
}

// TapStats are the tap's counters since it started.
type TapStats struct {
	Read    uint64 // messages read
	Stored  uint64 // messages stored (after sampling)
	Invalid uint64 // messages that are not an enriched event or a bad row, skipped
	Failed  uint64 // store writes that failed (the message is read again after a restart)
}

// Tap reads a pipeline's enriched and bad-row topics into the store, each record marked
// as tapped (its payload's collector is "tap-<topic>"), so that the explorer, search, the
// live tail and the Micro API show production traffic. Retention caps it like any record.
type Tap struct {
	cfg    TapConfig
	client *kgo.Client
	w      Writer
	log    *slog.Logger
	keep   uint64 // hash threshold of Sample

	read, stored, invalid, failed atomic.Uint64
}

// OpenTap connects the tap's consumer group. Nothing is read until Run.
func OpenTap(cfg TapConfig, w Writer, log *slog.Logger) (*Tap, error) {
	if cfg.GoodTopic == "" && cfg.BadTopic == "" {
		return nil, errors.New("kafka tap: no topic")
	}
	if cfg.Sample < 0 || cfg.Sample > 1 {
		return nil, fmt.Errorf("kafka tap: sample %g is not in (0, 1]", cfg.Sample)
	}
	if cfg.Sample == 0 {
		cfg.Sample = 1
	}
	if cfg.Group == "" {
		cfg.Group = "plowbox-tap"
	}
	if log == nil {
		log = slog.Default()
	}
	opts, err := cfg.Conn.options()
	if err != nil {
		return nil, err
	}
	var topics []string
	for _, t := range []string{cfg.GoodTopic, cfg.BadTopic} {
		if t != "" {
			topics = append(topics, t)
		}
	}
	start := kgo.NewOffset().AtEnd()
	if cfg.FromStart {
		start = kgo.NewOffset().AtStart()
	}
	opts = append(opts, kgo.ConsumeTopics(topics...), kgo.ConsumerGroup(cfg.Group), kgo.ConsumeResetOffset(start),
		kgo.AutoCommitMarks(), kgo.MetadataMinAge(time.Second))
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka tap: %w", err)
	}
	t := &Tap{cfg: cfg, client: client, w: w, log: log, keep: math.MaxUint64}
	if cfg.Sample < 1 {
		t.keep = uint64(cfg.Sample * math.MaxUint64)
	}
	return t, nil
}

// Stats returns the tap's counters.
func (t *Tap) Stats() TapStats {
	return TapStats{Read: t.read.Load(), Stored: t.stored.Load(), Invalid: t.invalid.Load(), Failed: t.failed.Load()}
}

// Run reads and stores messages until ctx is done.
func (t *Tap) Run(ctx context.Context) error {
	for {
		fs := t.client.PollFetches(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.log.Warn("kafka tap: fetch", "topic", topic, "partition", p, "err", err)
		})
		var ok []*kgo.Record
		fs.EachRecord(func(m *kgo.Record) {
			t.read.Add(1)
			if !t.sampled(m.Value) {
				ok = append(ok, m)
				return
			}
			if err := t.store(ctx, m); err != nil {
				if ctx.Err() != nil {
					return
				}
				t.log.Warn("kafka tap: message skipped", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "err", err)
				return
			}
			ok = append(ok, m)
		})
		t.client.MarkCommitRecords(ok...)
	}
}

// Close commits what was stored and leaves the group; call it after Run has returned.
func (t *Tap) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t.client.CommitMarkedOffsets(ctx)
	t.client.Close()
}

// sampled reports whether a message is in the sample.
func (t *Tap) sampled(v []byte) bool {
	if t.keep == math.MaxUint64 {
		return true
	}
	h := fnv.New64a()
	h.Write(v)
	return mix64(h.Sum64()) <= t.keep
}

// mix64 is SplitMix64's finaliser: it spreads FNV's bits, whose high end varies little
// between similar messages, over the whole range.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// store writes one message as a record.
func (t *Tap) store(ctx context.Context, m *kgo.Record) error {
	var res *enrich.Result
	var err error
	switch m.Topic {
	case t.cfg.GoodTopic:
		res, err = tappedEvent(m)
	default:
		res, err = tappedBadRow(m)
	}
	if err != nil {
		t.invalid.Add(1)
		return err
	}
	if err := t.w.Write(ctx, res); err != nil {
		t.failed.Add(1)
		return fmt.Errorf("store: %w", err)
	}
	t.stored.Add(1)
	return nil
}

// tapPayload is the stand-in collector payload of a tapped record.
func tapPayload(m *kgo.Record, ts time.Time) *collector.Payload {
	name := store.TapCollectorPrefix + m.Topic
	if len(name) > 32 { // the bad-row schemas cap collector names at 32
		name = name[:32]
	}
	return &collector.Payload{Schema: collector.PayloadSchema, IPAddress: "unknown", Timestamp: ts.UTC().Truncate(time.Millisecond),
		Encoding: "UTF-8", Collector: name, Path: "/" + m.Topic}
}

// tappedEvent makes the record of an enriched TSV message.
func tappedEvent(m *kgo.Record) (*enrich.Result, error) {
	e, err := parseEnrichedTSV(string(m.Value))
	if err != nil {
		return nil, err
	}
	ts, ok := e.Time(event.CollectorTstamp)
	if !ok {
		ts = m.Timestamp
	}
	p := tapPayload(m, ts)
	if ip := e.Get(event.UserIPAddress); ip != "" {
		p.IPAddress = ip
	}
	if ua := e.Get(event.Useragent); ua != "" {
		p.UserAgent = &ua
	}
	raw := &event.RawEvent{Vendor: "com.snowplowanalytics.snowplow", Version: "tp2", Payload: p}
	return &enrich.Result{Payload: p, Outputs: []enrich.Output{{Stage: enrich.StageGood, Raw: raw, Event: e}}}, nil
}

// tappedBadRow makes the record of a bad-row message.
func tappedBadRow(m *kgo.Record) (*enrich.Result, error) {
	var row struct {
		Schema string `json:"schema"`
		Data   struct {
			Failure struct {
				Timestamp time.Time `json:"timestamp"`
			} `json:"failure"`
		} `json:"data"`
	}
	if err := json.Unmarshal(m.Value, &row); err != nil {
		return nil, fmt.Errorf("not a bad row: %w", err)
	}
	const prefix = "iglu:com.snowplowanalytics.snowplow.badrows/"
	if !strings.HasPrefix(row.Schema, prefix) {
		return nil, fmt.Errorf("schema %q is not a bad row's", row.Schema)
	}
	ts := row.Data.Failure.Timestamp
	if ts.IsZero() {
		ts = m.Timestamp
	}
	st := enrich.StageAdapter
	switch strings.SplitN(strings.TrimPrefix(row.Schema, prefix), "/", 2)[0] {
	case "size_violation":
		st = enrich.StageSize
	case "collector_payload_format_violation":
		st = enrich.StageLoad
	}
	p := tapPayload(m, ts)
	return &enrich.Result{Payload: p, Outputs: []enrich.Output{{Stage: st, BadRow: m.Value}}}, nil
}
