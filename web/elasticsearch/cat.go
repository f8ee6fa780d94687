package elasticsearch

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// catColumns are the columns of GET _cat/indices, in Elasticsearch's order.
var catColumns = []string{"health", "status", "index", "uuid", "pri", "rep", "docs.count", "docs.deleted", "store.size", "pri.store.size"}

// sizer is a store that knows its size on disk. *store.Store implements it.
type sizer interface {
	Size() (int64, error)
}

// catIndices answers GET /elasticsearch/_cat/indices as Elasticsearch's cat API does:
// one line per index, space-aligned, with a header under ?v, or a JSON array of string
// values under ?format=json. store.size is the data file's size shared out between the
// indices by their record counts (plowbox keeps them in one file).
//
// https://www.elastic.co/guide/en/elasticsearch/reference/7.10/cat-indices.html
func (a *api) catIndices(c *gin.Context) {
	counts := a.o.Store.Counts()
	var disk int64
	if s, ok := a.o.Store.(sizer); ok {
		disk, _ = s.Size()
	}
	all := counts.Good + counts.Bad
	var rows [][]string
	for _, name := range allIndices {
		n := countOf(counts, name)
		size := int64(0)
		if all > 0 {
			size = disk * int64(n) / int64(all)
		}
		rows = append(rows, []string{"green", "open", name, "plowbox-" + name, "1", "0", fmt.Sprint(n), "0", humanBytes(size), humanBytes(size)})
	}
	if c.Query("format") == "json" {
		out := make([]map[string]string, 0, len(rows))
		for _, row := range rows {
			m := map[string]string{}
			for i, col := range catColumns {
				m[col] = row[i]
			}
			out = append(out, m)
		}
		c.JSON(http.StatusOK, out)
		return
	}
	if _, verbose := c.GetQuery("v"); verbose {
		rows = append([][]string{catColumns}, rows...)
	}
	c.Data(http.StatusOK, "text/plain; charset=UTF-8", []byte(alignColumns(rows)))
}

// alignColumns renders rows as the cat API does: columns padded to their widest cell,
// separated by one space, one line per row.
func alignColumns(rows [][]string) string {
	widths := make([]int, len(catColumns))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len(cell)))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// humanBytes renders n the way the cat API does: 0b, 512b, 12.3kb, 4.5mb, 1.2gb.
func humanBytes(n int64) string {
	units := []string{"b", "kb", "mb", "gb", "tb"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d%s", n, units[0])
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") + units[u]
}
