package index

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/plowbox/plowbox/store"
)

func TestScratch(t *testing.T) {
	st, err := store.Open("/tmp/bi50k", store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Skip(err)
	}
	defer st.Close()
	ix, err := Open("/tmp/bi50k/index", st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ix.Sync(context.Background(), st.LastSeq())
	run := func(name string, req *bleve.SearchRequest) {
		req.Score = "none"
		var best time.Duration = time.Hour
		var total uint64
		for range 5 {
			t0 := time.Now()
			sr, err := ix.bi.Search(req)
			if err != nil {
				t.Fatal(err)
			}
			total = sr.Total
			best = min(best, time.Since(t0))
		}
		fmt.Printf("%-30s %8.2f ms total %d\n", name, float64(best)/1e6, total)
	}
	all := query.NewMatchAllQuery()
	run("count all", bleve.NewSearchRequestOptions(all, 0, 0, false))
	r := bleve.NewSearchRequestOptions(all, 50, 0, false)
	r.SortBy([]string{"-seq"})
	run("top50 by seq", r)
	r = bleve.NewSearchRequestOptions(all, 50, 0, false)
	r.SortBy([]string{"_id"})
	run("top50 by _id", r)
	r = bleve.NewSearchRequestOptions(all, 50, 0, false)
	run("top50 by score none", r)
	lo := float64(st.LastSeq() - 500)
	r = bleve.NewSearchRequestOptions(query.NewConjunctionQuery([]query.Query{all, numRange(fieldSeq, &lo, nil, false, false)}), 50, 0, false)
	r.SortBy([]string{"-seq"})
	run("window 500 by seq", r)
	tq := termQuery("app_id", "shop")
	run("count app_id:shop", bleve.NewSearchRequestOptions(tq, 0, 0, false))
	tr := timeRange(fieldTime, time.Now().Add(-12*time.Hour), time.Now().Add(-6*time.Hour))
	run("count 6h range", bleve.NewSearchRequestOptions(tr, 0, 0, false))
}
