package pipeline

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/store"
)

func payload(query string) *collector.Payload {
	ua := "pipeline-test"
	return &collector.Payload{
		Schema: collector.PayloadSchema, IPAddress: "127.0.0.1", Timestamp: time.Now().UTC().Truncate(time.Millisecond),
		Encoding: "UTF-8", Collector: collector.Name("test"), UserAgent: &ua, Path: "/i",
		Querystring: query, Headers: []string{"User-Agent: " + ua},
	}
}

// TestWriteReturnsWhatItWrote stores a good event and a bad row in a real store and
// checks that Write, the OnWritten hook and the store agree on their sequences, and that
// the event log and the TSV output say what was stored.
func TestWriteReturnsWhatItWrote(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var stdout, stderr bytes.Buffer
	var hooked []Written
	p := New(enrich.New(enrich.Config{Version: "test"}), st, Options{
		Output: "tsv", EventLog: true, Stdout: &stdout, Stderr: &stderr,
		OnWritten: func(_ context.Context, w Written) { hooked = append(hooked, w) },
	})
	good, err := p.Write(t.Context(), payload("e=pv&p=web&tv=t&aid=shop"))
	if err != nil {
		t.Fatal(err)
	}
	bad, err := p.Write(t.Context(), payload("e=pv&p=nonsense&tv=t"))
	if err != nil {
		t.Fatal(err)
	}
	if good.Records() != 1 || bad.Records() != 1 || bad.First != good.First+1 {
		t.Fatalf("good %d records from %d, bad %d from %d; want one each, in order", good.Records(), good.First, bad.Records(), bad.First)
	}
	if len(hooked) != 2 || hooked[0].First != good.First || hooked[1].First != bad.First {
		t.Errorf("OnWritten saw %+v", hooked)
	}
	if last := st.LastSeq(); last != bad.First {
		t.Errorf("store's last sequence %d, want %d", last, bad.First)
	}
	log := stderr.String()
	if !strings.Contains(log, "EventLog GOOD id:") || !strings.Contains(log, "app_id:shop") || !strings.Contains(log, "EventLog BAD ") {
		t.Errorf("event log:\n%s", log)
	}
	if lines := strings.Split(strings.TrimSpace(stdout.String()), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "shop\tweb\t") {
		t.Errorf("TSV output:\n%s", stdout.String())
	}
}

func TestBadRowSummary(t *testing.T) {
	row := `{"schema":"iglu:com.snowplowanalytics.snowplow.badrows/schema_violations/jsonschema/2-0-0","data":{"failure":{"messages":["m"]}}}`
	if got := BadRowSummary([]byte(row)); got != `schema_violations ["m"]` {
		t.Errorf("BadRowSummary = %q", got)
	}
	if got := BadRowSummary([]byte("not json")); got != "not json" {
		t.Errorf("BadRowSummary of garbage = %q", got)
	}
}
