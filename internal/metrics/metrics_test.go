package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
)

// TestObserveResult counts a good page view and a payload-level bad row as the real
// enricher produces them.
func TestObserveResult(t *testing.T) {
	m := New("test")
	en := enrich.New(enrich.Config{Version: "test"})
	for _, q := range []string{"e=pv&p=web&tv=t&aid=shop", "e=pv&p=nonsense&tv=t"} {
		ua := "metrics-test"
		res := en.Process(t.Context(), &collector.Payload{
			Schema: collector.PayloadSchema, IPAddress: "127.0.0.1", Timestamp: time.Now().UTC().Truncate(time.Millisecond),
			Encoding: "UTF-8", Collector: collector.Name("test"), UserAgent: &ua, Path: "/i", Querystring: q,
		})
		m.ObserveResult(res, time.Millisecond)
	}
	if n := testutil.ToFloat64(m.events.WithLabelValues("good", "page_view", "")); n != 1 {
		t.Errorf("good page views = %v, want 1", n)
	}
	if n := testutil.CollectAndCount(m.events); n != 2 {
		t.Errorf("%d series, want good and bad", n)
	}
	if n := testutil.CollectAndCount(m.enrichDuration); n != 1 {
		t.Errorf("enrich duration series = %d", n)
	}
}

func TestBadRowType(t *testing.T) {
	for row, want := range map[string]string{
		`{"schema":"iglu:com.snowplowanalytics.snowplow.badrows/schema_violations/jsonschema/2-0-0"}`: "schema_violations",
		`{"schema":"iglu:com.acme/x/jsonschema/1-0-0"}`:                                               "unknown",
	} {
		if got := badRowType([]byte(row)); got != want {
			t.Errorf("badRowType(%s) = %q, want %q", row, got, want)
		}
	}
	if got := badRowType(nil); got != "" {
		t.Errorf("badRowType(nil) = %q", got)
	}
}
