package main

import (
	"context"
	"errors"
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
	list    atomic.Pointer[[]*follow.Follower]
	st      *store.Store
	stop    func()
	done    sync.WaitGroup
	closers []func()
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

// startFollowers opens the configured followers of st and runs them until stopFollowers.
// It registers their metrics on met and their status on rt.
func (fs *followers) start(cfg serveConfig, st *store.Store, met *metrics, rt *plane, log *slog.Logger) error {
	fs.st = st
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
	if len(list) == 0 {
		return nil
	}
	fs.list.Store(&list)
	ctx, cancel := context.WithCancel(context.Background())
	fs.stop = cancel
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
	rt.followerStatus = fs.status
	return nil
}

// stopFollowers stops the followers; their cursors are on disk already.
func (fs *followers) stopFollowers() {
	if fs.stop == nil {
		return
	}
	fs.stop()
	fs.done.Wait()
	for _, c := range fs.closers {
		c()
	}
	fs.stop = nil
}

// status is one component per follower for /control-plane/status. A follower that
// cannot deliver is shown unhealthy, but plowbox keeps collecting: its lag grows.
func (fs *followers) status() []web.ComponentStatus {
	l := fs.list.Load()
	if l == nil {
		return nil
	}
	dropped := fs.st.RetentionStats().Dropped
	var out []web.ComponentStatus
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
