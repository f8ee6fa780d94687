package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkKafkaFleet measures the horizontal path: N plowbox edge nodes behind a
// round-robin "load balancer" (the load generator), each writing to the good topic of
// one kfake cluster, for N = 1, 2, 3. events/s is end to end: acknowledged GET /i page
// views divided by the time from the first request until the last of them is in the
// topic. Everything (nodes, cluster, load, consumer) shares this machine's cores.
// nodes=1/no-sinks is the same load on one node without sinks, for comparison.
//
//	go test ./cmd/plowbox -run '^$' -bench KafkaFleet -benchtime 1x
func BenchmarkKafkaFleet(b *testing.B) {
	const load, conns = 5 * time.Second, 32
	for _, run := range []struct {
		n     int
		sinks bool
	}{{1, false}, {1, true}, {2, true}, {3, true}} {
		n, name := run.n, fmt.Sprintf("nodes=%d", run.n)
		if !run.sinks {
			name += "/no-sinks"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				c := startKafka(b, 0, "")
				brokers := c.ListenAddrs()
				var nodes []*instance
				args := kafkaArgs(brokers)
				if !run.sinks {
					args = []string{"--auth", "none", "--event-log=false"}
				}
				for range n {
					nodes = append(nodes, startPlowbox(b, "", args...))
				}
				consumer, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics("good"),
					kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
				if err != nil {
					b.Fatal(err)
				}
				var acked, seen atomic.Int64
				start := time.Now()
				var lastSeen atomic.Int64
				consumed := make(chan struct{})
				ctx, cancel := context.WithCancel(context.Background())
				go func() {
					defer close(consumed)
					for ctx.Err() == nil {
						fs := consumer.PollFetches(ctx)
						seen.Add(int64(fs.NumRecords()))
						lastSeen.Store(int64(time.Since(start)))
					}
				}()
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
				var wg sync.WaitGroup
				deadline := start.Add(load)
				for i := range conns {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for j := 0; time.Now().Before(deadline); j++ {
							node := nodes[(i+j)%len(nodes)]
							resp, err := client.Get(node.URL + "/i?e=pv&p=web&tv=fleet&aid=shop&url=https%3A%2F%2Fshop.example%2F")
							if err != nil {
								continue
							}
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode == http.StatusOK {
								acked.Add(1)
							}
						}
					}()
				}
				wg.Wait()
				loadEnd := time.Since(start)
				lagAtEnd := acked.Load() - seen.Load()
				for run.sinks && seen.Load() < acked.Load() && time.Since(start) < load+2*time.Minute {
					time.Sleep(10 * time.Millisecond) // measuring, not synchronising
				}
				cancel()
				<-consumed
				consumer.Close()
				e2e := max(time.Duration(lastSeen.Load()), time.Millisecond)
				b.ReportMetric(float64(acked.Load())/loadEnd.Seconds(), "acked/s")
				b.ReportMetric(float64(seen.Load())/e2e.Seconds(), "events/s")
				b.ReportMetric(float64(lagAtEnd), "lag-at-end")
				b.Logf("%d nodes: %d acknowledged in %s, %d in the topic after %s (lag when the load stopped: %d)",
					n, acked.Load(), loadEnd.Round(time.Millisecond), seen.Load(), e2e.Round(time.Millisecond), lagAtEnd)
				for _, p := range nodes {
					p.kill(15)
				}
				c.Close()
			}
		})
	}
}
