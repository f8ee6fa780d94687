package loadgen

import (
	"context"
	"time"

	"github.com/plowbox/plowbox/collector"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/store/index/indextest"
)

// badEvery makes one request in badEvery a tracker request plowbox refuses (a bad row).
const badEvery = 200

// sitePayload returns request r of a simulated site, arriving at at and carrying n events:
// the shop, blog and checkout apps of indextest (page views with a web_page and a user
// entity, page pings, link clicks and struct events, from visitors with sessions), and one
// request in badEvery with a body that is not JSON, which becomes an adapter-failure bad
// row as a broken tracker's would.
func sitePayload(r, n int, at time.Time) *collector.Payload {
	p := indextest.Payload(r, n, at)
	if r%badEvery == badEvery-1 {
		broken := (*p.Body)[:len(*p.Body)/2]
		p.Body = &broken
	}
	return p
}

// fillSite writes cfg.Events events of the simulated site, spread evenly from begin over
// cfg.Span, through the enricher into st from cfg.Workers goroutines.
func fillSite(ctx context.Context, st *store.Store, cfg ScaleConfig, begin time.Time) error {
	return writeGenerated(ctx, st, sitePayload, generated{Version: cfg.Version, Events: cfg.Events,
		PerRequest: cfg.PerRequest, Workers: cfg.Workers, Span: cfg.Span, Begin: begin})
}
