package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/follow"
	"github.com/plowbox/plowbox/store/kafka"
	"github.com/plowbox/plowbox/store/relay"
	"github.com/plowbox/plowbox/web"
)

// kafkaConfig is what plowbox serve can be told about Kafka and the other followers of
// the store (the relay).
type kafkaConfig struct {
	conn                          kafka.Conn
	rawTopic, goodTopic, badTopic string
	rawKeyByIP                    bool
	goodKeyField                  string
	fromStart                     bool
	relayURL                      string
	tapBrokers                    []string
	tapGood, tapBad, tapGroup     string
	tapSample                     float64
	tapFromStart                  bool
}

// kafkaOptions is the table of the Kafka options of plowbox serve.
func kafkaOptions(c *kafkaConfig) []option {
	return []option{
		{name: "kafka-brokers", usage: "Kafka seed brokers host:port (comma-separated) for the --kafka-*-topic sinks", value: list(&c.conn.Brokers)},
		{name: "kafka-raw-topic", usage: "write every collector payload to this topic as Snowplow's Thrift CollectorPayload, for a real Snowplow Enrich; empty for none", value: str(&c.rawTopic, "")},
		{name: "kafka-good-topic", usage: "write every good event to this topic as its enriched TSV line; empty for none", value: str(&c.goodTopic, "")},
		{name: "kafka-bad-topic", usage: "write every bad row to this topic as its self-describing JSON; empty for none", value: str(&c.badTopic, "")},
		{name: "kafka-raw-partition-by-ip", usage: "key raw payloads by IP address (the collector's useIpAddressAsPartitionKey) instead of a random UUID", value: boolean(&c.rawKeyByIP, false)},
		{name: "kafka-good-partition-key", usage: "key enriched events by this atomic field (app_id, event_id, domain_userid, …: Enrich's partitionKey) instead of a random UUID", value: str(&c.goodKeyField, "")},
		{name: "sinks-from-start", usage: "a Kafka sink or relay started for the first time sends every stored record, not only new ones", value: boolean(&c.fromStart, false)},
		{name: "relay-url", usage: "forward every collector request, as received, to the upstream Snowplow collector at this base URL (durable, ordered, retried); empty for none", value: str(&c.relayURL, "")},
		{name: "tap-kafka-brokers", usage: "Kafka seed brokers host:port (comma-separated) of a running pipeline to tap (--tap-good-topic, --tap-bad-topic); TLS and SASL as --kafka-*", value: list(&c.tapBrokers)},
		{name: "tap-good-topic", usage: "read a pipeline's enriched TSV topic into the store, each record marked source:tap; empty for none", value: str(&c.tapGood, "")},
		{name: "tap-bad-topic", usage: "read a pipeline's bad-row topic into the store, each record marked source:tap; empty for none", value: str(&c.tapBad, "")},
		{name: "tap-sample", usage: "share of the tapped messages kept, in (0, 1]", value: fraction(&c.tapSample, 1)},
		{name: "tap-group", usage: "consumer group of the tap; a new group starts with the newest messages", value: str(&c.tapGroup, "plowbox-tap")},
		{name: "tap-from-start", usage: "a new tap group starts with the oldest messages of the topics", value: boolean(&c.tapFromStart, false)},
		{name: "kafka-tls", usage: "connect to Kafka over TLS", value: boolean(&c.conn.TLS, false)},
		{name: "kafka-tls-ca", usage: "PEM file of the CAs that sign the brokers' certificates; empty for the system's", value: str(&c.conn.CAFile, "")},
		{name: "kafka-tls-cert", usage: "PEM client certificate for Kafka (with --kafka-tls-key)", value: str(&c.conn.CertFile, "")},
		{name: "kafka-tls-key", usage: "PEM key of --kafka-tls-cert", value: str(&c.conn.KeyFile, "")},
		{name: "kafka-sasl", usage: "SASL mechanism: plain, scram-sha-256 or scram-sha-512; empty for none", value: enum(&c.conn.SASL, "", kafka.SASLMechanisms...)},
		{name: "kafka-user", usage: "SASL user name", value: str(&c.conn.User, "")},
		{name: "kafka-password", usage: "SASL password", value: str(&c.conn.Password, "")},
	}
}

// sinksOn reports whether any Kafka sink is configured.
func (c kafkaConfig) sinksOn() bool { return c.rawTopic != "" || c.goodTopic != "" || c.badTopic != "" }

// followers are the store's followers that deliver elsewhere: Kafka sinks, the relay.
// Retention holds what they have not delivered (hold), status and /metrics show their
// lag.
type followers struct {
	list              atomic.Pointer[[]*follow.Follower]
	st                *store.Store
	stopList, stopTap func()
	done              sync.WaitGroup
	closers           []func()
	tap               *kafka.Tap
}

// hold is the store's Retention.Hold: the lowest sequence a follower has not delivered.
func (fs *followers) hold() uint64 {
	h := uint64(math.MaxUint64)
	if l := fs.list.Load(); l != nil {
		for _, f := range *l {
			h = min(h, f.Hold())
		}
	}
	return h
}

// start opens the configured followers of st and the tap, and runs them until
// stopFollowers. It registers their metrics on met and their status on rt.
func (fs *followers) start(cfg serveConfig, st *store.Store, met *metrics, rt *plane, log *slog.Logger) error {
	fs.st = st
	rt.followerStatus = fs.status
	fopts := follow.Options{Logger: log, FromStart: cfg.kafka.fromStart}
	var list []*follow.Follower
	if cfg.kafka.sinksOn() {
		conn := cfg.kafka.conn
		conn.ClientID = "plowbox-" + version
		sinks, err := kafka.OpenSinks(kafka.SinkConfig{Conn: conn, RawTopic: cfg.kafka.rawTopic, GoodTopic: cfg.kafka.goodTopic,
			BadTopic: cfg.kafka.badTopic, RawKeyByIP: cfg.kafka.rawKeyByIP, GoodKeyField: cfg.kafka.goodKeyField}, st, fopts)
		if err != nil {
			return fmt.Errorf("kafka sinks: %w", err)
		}
		list = append(list, sinks.Followers()...)
		fs.closers = append(fs.closers, sinks.Close)
	}
	if cfg.kafka.relayURL != "" {
		r, err := relay.New(relay.Config{URL: cfg.kafka.relayURL, CookieName: cfg.collector.Cookie.Name,
			DropCookies: []string{web.SessionCookie}, Logger: log}, st, fopts)
		if err != nil {
			return err
		}
		list = append(list, r.Follower())
	}
	if err := fs.startTap(cfg, st, met, log); err != nil {
		return err
	}
	if len(list) == 0 {
		return nil
	}
	fs.list.Store(&list)
	ctx, cancel := context.WithCancel(context.Background())
	fs.stopList = cancel
	for _, f := range list {
		fs.done.Add(1)
		go func() {
			defer fs.done.Done()
			if err := f.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("follower stopped", "name", f.Name(), "err", err)
			}
		}()
		log.Info("follower started", "name", f.Name(), "cursor", f.Cursor(), "lag", f.Lag())
	}
	met.watchFollowers(list, st)
	return nil
}

// startTap starts the tap when a tap topic is configured.
func (fs *followers) startTap(cfg serveConfig, st *store.Store, met *metrics, log *slog.Logger) error {
	k := cfg.kafka
	if k.tapGood == "" && k.tapBad == "" {
		return nil
	}
	conn := k.conn
	conn.Brokers, conn.ClientID = k.tapBrokers, "plowbox-tap-"+version
	tap, err := kafka.OpenTap(kafka.TapConfig{Conn: conn, GoodTopic: k.tapGood, BadTopic: k.tapBad, Sample: k.tapSample,
		Group: k.tapGroup, FromStart: k.tapFromStart}, st, log)
	if err != nil {
		return fmt.Errorf("kafka tap: %w", err)
	}
	fs.tap = tap
	ctx, cancel := context.WithCancel(context.Background())
	fs.done.Add(1)
	go func() {
		defer fs.done.Done()
		if err := tap.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("kafka tap stopped", "err", err)
		}
	}()
	fs.stopTap = cancel
	fs.closers = append(fs.closers, tap.Close)
	for _, r := range []struct {
		result string
		get    func(kafka.TapStats) uint64
	}{
		{"read", func(s kafka.TapStats) uint64 { return s.Read }},
		{"stored", func(s kafka.TapStats) uint64 { return s.Stored }},
		{"invalid", func(s kafka.TapStats) uint64 { return s.Invalid }},
		{"store_error", func(s kafka.TapStats) uint64 { return s.Failed }},
	} {
		met.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "plowbox_tap_messages_total",
			Help:        "Messages the tap read from a pipeline's topics, by result: read (all), stored (after sampling), invalid (skipped), store_error.",
			ConstLabels: prometheus.Labels{"result": r.result}}, func() float64 { return float64(r.get(tap.Stats())) }))
	}
	log.Info("kafka tap started", "good_topic", k.tapGood, "bad_topic", k.tapBad, "sample", k.tapSample)
	return nil
}

// stopFollowers stops the followers and the tap; the followers' cursors are on disk
// already. It may be called more than once.
func (fs *followers) stopFollowers() {
	for _, stop := range []func(){fs.stopList, fs.stopTap} {
		if stop != nil {
			stop()
		}
	}
	fs.done.Wait()
	for _, c := range fs.closers {
		c()
	}
	fs.stopList, fs.stopTap, fs.closers = nil, nil, nil
}

// status is one component per follower for /control-plane/status. A follower that
// cannot deliver is shown unhealthy, but plowbox keeps collecting: its lag grows.
func (fs *followers) status() []web.ComponentStatus {
	var out []web.ComponentStatus
	if fs.tap != nil {
		s := fs.tap.Stats()
		out = append(out, web.ComponentStatus{Name: "tap", Healthy: true,
			Detail: fmt.Sprintf("%d messages read, %d stored, %d invalid, %d store errors", s.Read, s.Stored, s.Invalid, s.Failed)})
	}
	l := fs.list.Load()
	if l == nil {
		return out
	}
	dropped := fs.st.RetentionStats().Dropped
	for _, f := range *l {
		s := f.Stats()
		c := web.ComponentStatus{Name: "follower:" + f.Name(), Healthy: s.LastError == "",
			Detail: "lag " + strconv.FormatUint(f.Lag(), 10) + " records, " + strconv.FormatUint(s.Delivered, 10) + " delivered"}
		if s.LastError != "" {
			c.Detail += "; failing: " + s.LastError
		}
		if dropped > 0 {
			c.Detail += "; the disk cap deleted " + strconv.FormatUint(dropped, 10) + " records before every follower had delivered them"
		}
		out = append(out, c)
	}
	return out
}

// watchFollowers exposes each follower's lag and counters.
func (m *metrics) watchFollowers(list []*follow.Follower, st *store.Store) {
	for _, f := range list {
		l := prometheus.Labels{"follower": f.Name()}
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "plowbox_follower_lag_records", ConstLabels: l,
				Help: "Committed records the follower (Kafka sink, relay) has not delivered yet."},
				func() float64 { return float64(f.Lag()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "plowbox_follower_delivered_records_total", ConstLabels: l,
				Help: "Records the follower delivered (or skipped as of no use to its destination)."},
				func() float64 { return float64(f.Stats().Delivered) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "plowbox_follower_retried_records_total", ConstLabels: l,
				Help: "Records sent again after a failed delivery: an upper bound on the duplicates at-least-once delivery made."},
				func() float64 { return float64(f.Stats().Retried) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "plowbox_follower_failures_total", ConstLabels: l,
				Help: "Failed deliveries, each retried after a backoff."},
				func() float64 { return float64(f.Stats().Failures) }),
		)
	}
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "plowbox_retention_dropped_undelivered_records_total",
		Help: "Records the disk cap (--retention-bytes) deleted before every follower had delivered them."},
		func() float64 { return float64(st.RetentionStats().Dropped) }))
}

// fractionValue is a number in (0, 1].
type fractionValue struct{ p *float64 }

func (v fractionValue) String() string { return strconv.FormatFloat(*v.p, 'g', -1, 64) }
func (v fractionValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 1 {
		return fmt.Errorf("must be a number above 0 and at most 1, such as 0.1")
	}
	*v.p = f
	return nil
}

func fraction(p *float64, def float64) flag.Value { *p = def; return fractionValue{p} }
