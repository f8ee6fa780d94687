// Package metrics holds plowbox's Prometheus metrics of the pipeline, the store, the
// collector and the search index, on a registry of their own (never the process-wide
// default one), served at /metrics.
package metrics

import (
	"bytes"
	"log/slog"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index"
)

// Metrics are plowbox's Prometheus metrics, on a registry of their own.
type Metrics struct {
	reg            *prometheus.Registry
	events         *prometheus.CounterVec
	enrichDuration prometheus.Histogram
	commitRecords  prometheus.Histogram
	commitDuration prometheus.Histogram
}

// New creates the registry with the pipeline's metrics and the Go runtime and process
// collectors; version labels plowbox_build_info.
func New(version string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plowbox_events_total",
			Help: "Pipeline outputs by outcome (good, incomplete, bad), event type (empty for payload-level bad rows) and failure (the bad-row type, empty when good).",
		}, []string{"outcome", "event_type", "failure"}),
		enrichDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "plowbox_enrich_duration_seconds",
			Help:    "Time to enrich and validate one collector payload (every event in it).",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .5, 2},
		}),
		commitRecords: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "plowbox_store_commit_records",
			Help:    "Records per store commit (group commit batch size).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14),
		}),
		commitDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "plowbox_store_commit_duration_seconds",
			Help:    "Time of one store commit, fsync included.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.events, m.enrichDuration, m.commitRecords, m.commitDuration,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "plowbox_build_info",
			Help:        "Always 1; the labels name the running plowbox.",
			ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
		}, func() float64 { return 1 }),
	)
	return m
}

// Registry is the registry the metrics are on, for /metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// eventTypeLabels are the values of the event field; anything else (a JavaScript
// enrichment may rewrite it) is counted as "other" to keep the label bounded.
var eventTypeLabels = map[string]bool{
	"": true, "page_view": true, "page_ping": true, "struct": true, "unstruct": true,
	"transaction": true, "transaction_item": true, "ad_impression": true,
}

// badRowSchemaPrefix starts the schema of every bad row; the bad-row type follows it.
var badRowSchemaPrefix = []byte("iglu:com.snowplowanalytics.snowplow.badrows/")

// ObserveResult counts the outputs of one payload and records how long enriching it took.
func (m *Metrics) ObserveResult(res *enrich.Result, d time.Duration) {
	m.enrichDuration.Observe(d.Seconds())
	for i := range res.Outputs {
		o := &res.Outputs[i]
		outcome, eventType := "bad", ""
		switch {
		case o.Stage == enrich.StageGood:
			outcome = "good"
		case o.Stage == enrich.StageValidation:
			outcome = "incomplete"
		}
		if o.Event != nil {
			eventType = o.Event.Get(event.EventType)
			if !eventTypeLabels[eventType] {
				eventType = "other"
			}
		}
		m.events.WithLabelValues(outcome, eventType, badRowType(o.BadRow)).Inc()
	}
}

// badRowType extracts the type (e.g. schema_violations) from a bad row's schema URI,
// without decoding the row.
func badRowType(row []byte) string {
	if row == nil {
		return ""
	}
	i := bytes.Index(row, badRowSchemaPrefix)
	if i < 0 {
		return "unknown"
	}
	rest := row[i+len(badRowSchemaPrefix):]
	j := bytes.IndexByte(rest, '/')
	if j <= 0 || j > 64 {
		return "unknown"
	}
	return string(rest[:j])
}

// ObserveCommit is the store's OnCommit hook.
func (m *Metrics) ObserveCommit(_, records int, d time.Duration) {
	m.commitRecords.Observe(float64(records))
	m.commitDuration.Observe(d.Seconds())
}

// WatchStore exposes the store's size, record counts, oldest record age, writer and
// retention counters, read at each scrape.
func (m *Metrics) WatchStore(st *store.Store, log *slog.Logger) {
	m.reg.MustRegister(&storeCollector{st: st, log: log, now: time.Now})
}

// WatchCollector exposes the collector's request counters.
func (m *Metrics) WatchCollector(c *collector.Collector) {
	for _, s := range []struct {
		result string
		get    func(collector.Stats) uint64
	}{
		{"stored", func(s collector.Stats) uint64 { return s.Stored }},
		{"oversized", func(s collector.Stats) uint64 { return s.Oversized }},
		{"sink_error", func(s collector.Stats) uint64 { return s.SinkErrors }},
	} {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "plowbox_collector_payloads_total",
			Help:        "Collector payloads by result: stored, oversized (413, not stored) or sink_error (503).",
			ConstLabels: prometheus.Labels{"result": s.result},
		}, func() float64 { return float64(s.get(c.Stats())) }))
	}
}

// WatchIndex exposes the search index's lag and size; plowbox runs without metrics for
// an index it does not have.
func (m *Metrics) WatchIndex(ix interface{ Stats() index.Stats }) {
	if ix == nil {
		return
	}
	gauge := func(name, help string, get func(index.Stats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
			func() float64 { return get(ix.Stats()) })
	}
	m.reg.MustRegister(
		gauge("plowbox_index_lag_records", "Committed records not yet in the search index.",
			func(s index.Stats) float64 { return float64(s.Lag) }),
		gauge("plowbox_index_documents", "Documents in the search index.",
			func(s index.Stats) float64 { return float64(s.Docs) }),
		gauge("plowbox_index_size_bytes", "Size of the search index directory.",
			func(s index.Stats) float64 { return float64(s.DiskBytes) }),
		gauge("plowbox_index_unindexable_values", "Values left out of the search index (kept in the store) since start.",
			func(s index.Stats) float64 { return float64(s.Unindexable) }),
	)
}

// storeCollector reads the store's figures once per scrape.
type storeCollector struct {
	st  *store.Store
	log *slog.Logger
	now func() time.Time
}

var (
	storeSizeDesc = prometheus.NewDesc("plowbox_store_size_bytes",
		"Size of the store file, free pages included.", nil, nil)
	storeRecordsDesc = prometheus.NewDesc("plowbox_store_records",
		"Stored records by kind: good events, bad rows (all failures) and incomplete events (the validation failures among the bad rows).", []string{"kind"}, nil)
	storeOldestDesc = prometheus.NewDesc("plowbox_store_oldest_record_age_seconds",
		"Age of the oldest stored payload (by collector timestamp); absent when the store is empty.", nil, nil)
	storeCommitsDesc = prometheus.NewDesc("plowbox_store_commits_total",
		"Store commits (transactions, each one fsync) since start.", nil, nil)
	storeFailedDesc = prometheus.NewDesc("plowbox_store_failed_writes_total",
		"Writes failed by a failed commit since start.", nil, nil)
	retentionDeletedDesc = prometheus.NewDesc("plowbox_retention_deleted_records_total",
		"Records deleted by retention since start, by reason: age, count or size.", []string{"reason"}, nil)
	retentionPassesDesc = prometheus.NewDesc("plowbox_retention_passes_total",
		"Retention deletion transactions committed since start.", nil, nil)
	replayReplacedDesc = prometheus.NewDesc("plowbox_replay_replaced_records_total",
		"Bad rows replaced by their replay since start.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{storeSizeDesc, storeRecordsDesc, storeOldestDesc, storeCommitsDesc, storeFailedDesc,
		retentionDeletedDesc, retentionPassesDesc, replayReplacedDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. A store that cannot be read (closing) leaves
// its size and age out of the scrape rather than failing it.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	counts := c.st.Counts()
	for kind, n := range map[string]int{"good": counts.Good, "bad": counts.Bad, "incomplete": counts.Incomplete} {
		ch <- prometheus.MustNewConstMetric(storeRecordsDesc, prometheus.GaugeValue, float64(n), kind)
	}
	stats := c.st.Stats()
	ch <- prometheus.MustNewConstMetric(storeCommitsDesc, prometheus.CounterValue, float64(stats.Batches))
	ch <- prometheus.MustNewConstMetric(storeFailedDesc, prometheus.CounterValue, float64(stats.Failed))
	ret := c.st.RetentionStats()
	for reason, n := range map[string]uint64{"age": ret.ByAge, "count": ret.ByCount, "size": ret.BySize} {
		ch <- prometheus.MustNewConstMetric(retentionDeletedDesc, prometheus.CounterValue, float64(n), reason)
	}
	ch <- prometheus.MustNewConstMetric(retentionPassesDesc, prometheus.CounterValue, float64(ret.Passes))
	ch <- prometheus.MustNewConstMetric(replayReplacedDesc, prometheus.CounterValue, float64(ret.Replaced))
	if size, err := c.st.Size(); err == nil {
		ch <- prometheus.MustNewConstMetric(storeSizeDesc, prometheus.GaugeValue, float64(size))
	} else {
		c.log.Debug("metrics: store size", "err", err)
	}
	oldest, ok, err := c.st.Oldest()
	switch {
	case err != nil:
		c.log.Debug("metrics: oldest record", "err", err)
	case ok:
		ch <- prometheus.MustNewConstMetric(storeOldestDesc, prometheus.GaugeValue, c.now().Sub(oldest).Seconds())
	}
}
