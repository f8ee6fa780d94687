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

	"github.com/plowbox/plowbox/internal/controlplane"
	"github.com/plowbox/plowbox/internal/options"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/follow"
	"github.com/plowbox/plowbox/store/kafka"
	"github.com/plowbox/plowbox/store/relay"
	"github.com/plowbox/plowbox/ui"
	"github.com/plowbox/plowbox/web/auth"
	controlapi "github.com/plowbox/plowbox/web/controlplane"
	"github.com/plowbox/plowbox/web/explorer"
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
func kafkaOptions(c *kafkaConfig) []options.Option {
	return []options.Option{
		{Name: "kafka-brokers", Usage: "Kafka seed brokers host:port (comma-separated) for the --kafka-*-topic sinks", Value: options.List(&c.conn.Brokers)},
		{Name: "kafka-raw-topic", Usage: "write every collector payload to this topic as Snowplow's Thrift CollectorPayload, for a real Snowplow Enrich; empty for none", Value: options.String(&c.rawTopic, "")},
		{Name: "kafka-good-topic", Usage: "write every good event to this topic as its enriched TSV line; empty for none", Value: options.String(&c.goodTopic, "")},
		{Name: "kafka-bad-topic", Usage: "write every bad row to this topic as its self-describing JSON; empty for none", Value: options.String(&c.badTopic, "")},
		{Name: "kafka-raw-partition-by-ip", Usage: "key raw payloads by IP address (the collector's useIpAddressAsPartitionKey) instead of a random UUID", Value: options.Bool(&c.rawKeyByIP, false)},
		{Name: "kafka-good-partition-key", Usage: "key enriched events by this atomic field (app_id, event_id, domain_userid, …: Enrich's partitionKey) instead of a random UUID", Value: options.String(&c.goodKeyField, "")},
		{Name: "sinks-from-start", Usage: "a Kafka sink or relay started for the first time sends every stored record, not only new ones", Value: options.Bool(&c.fromStart, false)},
		{Name: "relay-url", Usage: "forward every collector request, as received, to the upstream Snowplow collector at this base URL (durable, ordered, retried); empty for none", Value: options.String(&c.relayURL, "")},
		{Name: "tap-kafka-brokers", Usage: "Kafka seed brokers host:port (comma-separated) of a running pipeline to tap (--tap-good-topic, --tap-bad-topic); TLS and SASL as --kafka-*", Value: options.List(&c.tapBrokers)},
		{Name: "tap-good-topic", Usage: "read a pipeline's enriched TSV topic into the store, each record marked source:tap; empty for none", Value: options.String(&c.tapGood, "")},
		{Name: "tap-bad-topic", Usage: "read a pipeline's bad-row topic into the store, each record marked source:tap; empty for none", Value: options.String(&c.tapBad, "")},
		{Name: "tap-sample", Usage: "share of the tapped messages kept, in (0, 1]", Value: fraction(&c.tapSample, 1)},
		{Name: "tap-group", Usage: "consumer group of the tap; a new group starts with the newest messages", Value: options.String(&c.tapGroup, "plowbox-tap")},
		{Name: "tap-from-start", Usage: "a new tap group starts with the oldest messages of the topics", Value: options.Bool(&c.tapFromStart, false)},
		{Name: "kafka-tls", Usage: "connect to Kafka over TLS", Value: options.Bool(&c.conn.TLS, false)},
		{Name: "kafka-tls-ca", Usage: "PEM file of the CAs that sign the brokers' certificates; empty for the system's", Value: options.String(&c.conn.CAFile, "")},
		{Name: "kafka-tls-cert", Usage: "PEM client certificate for Kafka (with --kafka-tls-key)", Value: options.String(&c.conn.CertFile, "")},
		{Name: "kafka-tls-key", Usage: "PEM key of --kafka-tls-cert", Value: options.String(&c.conn.KeyFile, "")},
		{Name: "kafka-sasl", Usage: "SASL mechanism: plain, scram-sha-256 or scram-sha-512; empty for none", Value: options.Enum(&c.conn.SASL, "", kafka.SASLMechanisms...)},
		{Name: "kafka-user", Usage: "SASL user name", Value: options.String(&c.conn.User, "")},
		{Name: "kafka-password", Usage: "SASL password", Value: options.String(&c.conn.Password, "")},
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
func (fs *followers) start(cfg serveConfig, st *store.Store, reg *prometheus.Registry, control *controlplane.Controller, log *slog.Logger) error {
	fs.st = st
	control.WatchFollowers(fs.status)
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
			DropCookies: []string{auth.SessionCookie}, Logger: log}, st, fopts)
		if err != nil {
			return err
		}
		list = append(list, r.Follower())
	}
	if err := fs.startTap(cfg, st, reg, log); err != nil {
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
	watchFollowers(reg, list, st)
	return nil
}

// startTap starts the tap when a tap topic is configured.
func (fs *followers) startTap(cfg serveConfig, st *store.Store, reg *prometheus.Registry, log *slog.Logger) error {
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
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "plowbox_tap_messages_total",
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
func (fs *followers) status() []controlapi.ComponentStatus {
	var out []controlapi.ComponentStatus
	if fs.tap != nil {
		s := fs.tap.Stats()
		out = append(out, controlapi.ComponentStatus{Name: "tap", Healthy: true,
			Detail: fmt.Sprintf("%d messages read, %d stored, %d invalid, %d store errors", s.Read, s.Stored, s.Invalid, s.Failed)})
	}
	l := fs.list.Load()
	if l == nil {
		return out
	}
	dropped := fs.st.RetentionStats().Dropped
	for _, f := range *l {
		s := f.Stats()
		c := controlapi.ComponentStatus{Name: "follower:" + f.Name(), Healthy: s.LastError == "",
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

// explorer adds the followers to the explorer's status page.
func (fs *followers) explorer(o *explorer.Options) *explorer.Options {
	o.Followers = func() []ui.FollowerRow {
		var rows []ui.FollowerRow
		for _, c := range fs.status() {
			rows = append(rows, ui.FollowerRow{Name: c.Name, Detail: c.Detail, Healthy: c.Healthy})
		}
		return rows
	}
	return o
}

// watchFollowers exposes each follower's lag and counters.
func watchFollowers(reg *prometheus.Registry, list []*follow.Follower, st *store.Store) {
	for _, f := range list {
		l := prometheus.Labels{"follower": f.Name()}
		reg.MustRegister(
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
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "plowbox_retention_dropped_undelivered_records_total",
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
