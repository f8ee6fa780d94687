package main

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/plowbox/plowbox/enrich/event"
)

// kafkaTopics are the sink topics of the tests.
var kafkaTopics = []string{"raw", "good", "bad"}

// kafkaArgs are the flags that point plowbox's sinks at brokers.
func kafkaArgs(brokers []string) []string {
	return []string{"--auth", "none", "--event-log=false", "--kafka-brokers", strings.Join(brokers, ","),
		"--kafka-raw-topic", "raw", "--kafka-good-topic", "good", "--kafka-bad-topic", "bad"}
}

// startKafka starts a kfake cluster on port (0 for any) keeping its data in dir.
func startKafka(t testing.TB, port int, dir string) *kfake.Cluster {
	t.Helper()
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(2, kafkaTopics...)}
	if port != 0 {
		opts = append(opts, kfake.Ports(port))
	}
	if dir != "" {
		opts = append(opts, kfake.DataDir(dir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// topicReader consumes a topic from its start.
type topicReader struct {
	cl  *kgo.Client
	got []*kgo.Record
}

func readTopic(t *testing.T, brokers []string, topic string) *topicReader {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &topicReader{cl: cl}
}

// until reads until n messages have arrived in all, failing after timeout.
func (r *topicReader) until(t *testing.T, n int, timeout time.Duration) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for len(r.got) < n {
		fs := r.cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%d of %d messages after %s", len(r.got), n, timeout)
		}
		fs.EachRecord(func(m *kgo.Record) { r.got = append(r.got, m) })
	}
	return r.got
}

// sendPageView sends one page view with event id eid through the collector.
func sendPageView(t *testing.T, p *instance, eid string) {
	t.Helper()
	resp, err := http.Get(p.URL + "/i?e=pv&p=web&tv=kafka-test&aid=shop&eid=" + eid)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("collector answered %d", resp.StatusCode)
	}
}

// eventIDs counts the event ids of enriched TSV messages.
func eventIDs(t *testing.T, msgs []*kgo.Record) map[string]int {
	t.Helper()
	ids := map[string]int{}
	for _, m := range msgs {
		cols := strings.Split(string(m.Value), "\t")
		if len(cols) != event.NumFields {
			t.Fatalf("enriched line of %d fields", len(cols))
		}
		ids[cols[event.EventID]]++
	}
	return ids
}

// plowbox serve with the three sinks: what the tracker got a 200 for is in the topics,
// and status and /metrics show the sinks.
func TestServeKafkaSinks(t *testing.T) {
	c := startKafka(t, 0, "")
	p := startPlowbox(t, "", kafkaArgs(c.ListenAddrs())...)
	ids := []string{newUUID(), newUUID(), newUUID()}
	for _, id := range ids {
		sendPageView(t, p, id)
	}
	p.get(t, "/i?e=zz&p=web&tv=kafka-test") // a bad row
	got := eventIDs(t, readTopic(t, c.ListenAddrs(), "good").until(t, 3, 20*time.Second))
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("event %s: %d copies in the good topic", id, got[id])
		}
	}
	raw := readTopic(t, c.ListenAddrs(), "raw").until(t, 4, 20*time.Second)
	if !strings.Contains(string(raw[0].Value), "iglu:com.snowplowanalytics.snowplow/CollectorPayload/thrift/1-0-0") {
		t.Errorf("raw message without the CollectorPayload schema: %q", raw[0].Value)
	}
	bad := readTopic(t, c.ListenAddrs(), "bad").until(t, 1, 20*time.Second)
	if !strings.Contains(string(bad[0].Value), "tracker_protocol_violations") && !strings.Contains(string(bad[0].Value), "schema_violations") {
		t.Errorf("bad topic: %s", bad[0].Value)
	}

	var status struct {
		Components []struct {
			Name    string `json:"name"`
			Healthy bool   `json:"healthy"`
			Detail  string `json:"detail"`
		} `json:"components"`
	}
	p.getJSON(t, "/control-plane/status", &status)
	seen := 0
	for _, comp := range status.Components {
		if strings.HasPrefix(comp.Name, "follower:kafka-") {
			seen++
			if !comp.Healthy || !strings.Contains(comp.Detail, "lag ") {
				t.Errorf("status of %s: %+v", comp.Name, comp)
			}
		}
	}
	if seen != 3 {
		t.Errorf("status shows %d Kafka sinks, want 3: %+v", seen, status.Components)
	}
	if _, page := p.get(t, "/micro/ui/status"); !strings.Contains(page, "follower:kafka-raw") {
		t.Errorf("the explorer's status page does not show the sinks")
	}
	_, metrics := p.get(t, "/metrics")
	for _, want := range []string{`plowbox_follower_lag_records{follower="kafka-good"}`, `plowbox_follower_delivered_records_total{follower="kafka-raw"}`,
		"plowbox_retention_dropped_undelivered_records_total 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
}

// plowbox kill -9'd while its sinks lag behind a broker that is down resumes from their
// cursors: after restarts every acknowledged event is in the topic.
func TestServeKafkaResumesAfterKill(t *testing.T) {
	kdir := t.TempDir()
	c := startKafka(t, 0, kdir)
	brokers := c.ListenAddrs()
	_, portText, _ := net.SplitHostPort(brokers[0])
	port, _ := strconv.Atoi(portText)
	p := startPlowbox(t, "", kafkaArgs(brokers)...)
	var before, during []string
	for range 20 {
		id := newUUID()
		before = append(before, id)
		sendPageView(t, p, id)
	}
	readTopic(t, brokers, "good").until(t, len(before), 20*time.Second)

	c.Close() // the broker goes down; the collector goes on
	for range 20 {
		id := newUUID()
		during = append(during, id)
		sendPageView(t, p, id)
	}
	p.kill(syscall.SIGKILL)

	startKafka(t, port, kdir)
	startPlowbox(t, p.Data, kafkaArgs(brokers)...)
	got := eventIDs(t, readTopic(t, brokers, "good").until(t, len(before)+len(during), 30*time.Second))
	// What was delivered in the last second before the crash may go out again: cursors
	// are saved once a second under load (follow.Options.SaveEvery).
	for _, id := range before {
		if got[id] < 1 || got[id] > 2 {
			t.Errorf("event %s, delivered before the crash: %d copies", id, got[id])
		}
	}
	for _, id := range during {
		if got[id] != 1 {
			t.Errorf("event %s, acknowledged while the broker was down: %d copies", id, got[id])
		}
	}
}

// plowbox relaying to a second plowbox acting as the upstream collector: the same events
// arrive upstream with the tracker's IP address, user agent, referer and network user
// id, and without plowbox's own credentials.
func TestServeRelay(t *testing.T) {
	up := startPlowbox(t, "", "--auth", "none", "--event-log=false")
	p := startPlowbox(t, "", "--auth", "none", "--event-log=false", "--relay-url", up.URL)
	send := func(method, path, body string, header map[string]string) {
		t.Helper()
		req, err := http.NewRequest(method, p.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	ids := []string{newUUID(), newUUID(), newUUID(), newUUID()}
	headers := map[string]string{"User-Agent": "Mozilla/5.0 (relay test)", "Referer": "https://shop.example/cart",
		"X-Forwarded-For": "203.0.113.7", "X-Custom": "kept", "Authorization": "Basic c2VjcmV0OnNlY3JldA==",
		"Cookie": "plowbox_session=secret-session; other=1"}
	send(http.MethodGet, "/i?e=pv&p=web&tv=relay&aid=shop&eid="+ids[0]+"&url=https%3A%2F%2Fshop.example%2F", "", headers)
	send(http.MethodGet, "/i?e=se&p=web&tv=relay&aid=shop&se_ca=cart&se_ac=add&eid="+ids[1], "", headers)
	headers["Content-Type"] = "application/json; charset=UTF-8"
	send(http.MethodPost, "/com.snowplowanalytics.snowplow/tp2", `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[`+
		`{"e":"pv","p":"web","tv":"relay","aid":"shop","eid":"`+ids[2]+`"},{"e":"se","p":"web","tv":"relay","se_ca":"c","se_ac":"a","eid":"`+ids[3]+`"}]}`, headers)

	var waited struct {
		Matched int `json:"matched"`
	}
	up.getJSON(t, "/plowbox/api/wait?q=v_tracker:relay&n=4&timeout=30s", &waited)
	var mine, theirs []goodEvent
	p.getJSON(t, "/micro/good", &mine)
	up.getJSON(t, "/micro/good", &theirs)
	byID := func(evs []goodEvent) map[string]map[string]any {
		m := map[string]map[string]any{}
		for _, e := range evs {
			m[e.Event["event_id"].(string)] = e.Event
		}
		return m
	}
	a, b := byID(mine), byID(theirs)
	if len(b) != 4 {
		t.Fatalf("upstream has %d events, want 4", len(b))
	}
	for _, id := range ids {
		for _, f := range []string{"event", "app_id", "user_ipaddress", "useragent", "page_referrer", "page_url", "network_userid", "se_category", "se_action"} {
			if a[id][f] != b[id][f] {
				t.Errorf("event %s: %s is %v here, %v upstream", id, f, a[id][f], b[id][f])
			}
		}
	}
	if b[ids[0]]["user_ipaddress"] != "203.0.113.7" {
		t.Errorf("upstream recorded IP %v", b[ids[0]]["user_ipaddress"])
	}
	var hits struct {
		Hits []struct {
			Seq uint64 `json:"seq"`
		} `json:"hits"`
	}
	up.getJSON(t, "/plowbox/api/search?q=event_id:"+ids[0], &hits)
	if len(hits.Hits) != 1 {
		t.Fatalf("upstream search: %+v", hits)
	}
	_, rec := up.get(t, "/plowbox/api/records/"+strconv.FormatUint(hits.Hits[0].Seq, 10))
	if !strings.Contains(rec, "X-Custom: kept") || !strings.Contains(rec, "other=1") {
		t.Errorf("the tracker's headers did not reach upstream: %s", rec)
	}
	if strings.Contains(rec, "secret") || strings.Contains(rec, "Authorization") {
		t.Errorf("plowbox's credentials reached upstream: %s", rec)
	}
}

// A topic of enriched TSV lines (written by another plowbox's sink, as Enrich would) and
// one of bad rows, tapped: searchable as source:tap in the explorer, the query API and
// the Micro API.
func TestServeTap(t *testing.T) {
	c := startKafka(t, 0, "")
	pipeline := startPlowbox(t, "", kafkaArgs(c.ListenAddrs())...)
	ids := []string{newUUID(), newUUID()}
	for _, id := range ids {
		sendPageView(t, pipeline, id)
	}
	pipeline.get(t, "/i?e=zz&p=web&tv=kafka-test") // a bad row
	readTopic(t, c.ListenAddrs(), "bad").until(t, 1, 20*time.Second)
	readTopic(t, c.ListenAddrs(), "good").until(t, 2, 20*time.Second)

	qa := startPlowbox(t, "", "--auth", "none", "--event-log=false", "--tap-kafka-brokers", strings.Join(c.ListenAddrs(), ","),
		"--tap-good-topic", "good", "--tap-bad-topic", "bad", "--tap-from-start")
	var waited struct {
		Matched int `json:"matched"`
	}
	qa.getJSON(t, "/plowbox/api/wait?q=source:tap&n=3&timeout=30s", &waited)
	if waited.Matched != 3 {
		t.Fatalf("%d tapped records, want 3", waited.Matched)
	}
	var good []goodEvent
	qa.getJSON(t, "/micro/good", &good)
	if len(good) != 2 || (good[0].Event["event_id"] != ids[0] && good[0].Event["event_id"] != ids[1]) {
		t.Errorf("/micro/good of the tapping plowbox: %+v", good)
	}
	status, page := qa.get(t, "/micro/ui/events?q=source:tap")
	if status != http.StatusOK || !strings.Contains(page, "<strong>2</strong> records") {
		t.Errorf("explorer: %d, no 2 tapped records in %.2000s", status, page)
	}
	_, metrics := qa.get(t, "/metrics")
	if !strings.Contains(metrics, `plowbox_tap_messages_total{result="stored"} 3`) {
		t.Errorf("/metrics has no 3 stored tap messages")
	}
}
