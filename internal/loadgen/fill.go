package loadgen

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/store"
)

// generated says how many generated events writeGenerated writes, and when.
type generated struct {
	Version    string        // the enricher's version string
	Events     int           // events in all
	PerRequest int           // events per collector request
	Workers    int           // goroutines writing
	Span       time.Duration // the requests are spread evenly over Span from Begin
	Begin      time.Time
}

// writeGenerated writes g.Events events of the requests gen makes (request r, n events,
// arriving at at) through the enricher into st, from g.Workers goroutines.
func writeGenerated(ctx context.Context, st *store.Store, gen func(r, n int, at time.Time) *collector.Payload, g generated) error {
	en := enrich.New(enrich.Config{Version: g.Version})
	per := max(g.PerRequest, 1)
	reqs := (g.Events + per - 1) / per
	if reqs == 0 {
		return nil
	}
	step := g.Span / time.Duration(reqs)
	workers := max(g.Workers, 1)
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				r := int(next.Add(1) - 1)
				if r >= reqs {
					return
				}
				p := gen(r, min(per, g.Events-r*per), g.Begin.Add(time.Duration(r)*step))
				if err := st.Write(ctx, en.Process(ctx, p)); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errc:
		return fmt.Errorf("write generated events: %w", err)
	default:
		return ctx.Err()
	}
}
