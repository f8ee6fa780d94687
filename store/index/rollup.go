package index

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/numeric"
	bindex "github.com/blevesearch/bleve_index_api"
)

// The rollup counts the index's documents per minute of the time axis, per kind and per
// value of the low-cardinality fields the explorer's sidebar facets: what the explorer's
// default view (every record or a time range, with facets and a histogram) asks. bleve
// answers those by reading the doc values of every match, about a second per million
// records; the rollup answers them from a few thousand counters whatever the store's
// size (rollup_search.go). The follower keeps it in step with the bleve index: it adds
// the documents of each batch once bleve has them and takes out those a batch or a
// deletion removes, reading their values from bleve's doc values first. It is rebuilt
// from the doc values when the index opens; until then queries take the bleve path.

// rollFields are the fields the rollup counts values of.
var rollFields = []string{fieldKind, fieldName, "app_id", "platform", fieldSchema, fieldBadType, fieldSource, fieldRun}

// rollField maps a field name to its position in rollFields.
var rollField = func() map[string]uint8 {
	m := map[string]uint8{}
	for i, f := range rollFields {
		m[f] = uint8(i)
	}
	return m
}()

// noTime is the minute of the documents without a time: counted only by queries without
// a time range.
const noTime = math.MinInt64

// rebuildTimeout bounds the rebuild at open; past it, queries keep the bleve path until
// the next open.
const rebuildTimeout = 5 * time.Minute

// rollVal is one value of one rollup field.
type rollVal struct {
	field uint8
	value string
}

// rollDoc is what the rollup counts of one document.
type rollDoc struct {
	minute int64
	kind   int // index in kindNames
	vals   []rollVal
}

// kindNames are the kinds by their index in a cell.
var kindNames = [3]string{KindGood, KindIncomplete, KindBad}

// kindIndex returns the index of kind in kindNames, -1 when unknown.
func kindIndex(kind string) int {
	for i, k := range kindNames {
		if k == kind {
			return i
		}
	}
	return -1
}

// rollCell counts the documents of one minute and kind: all of them, and per value id.
type rollCell struct {
	n    int64
	vals map[uint32]int64
}

// rollCounts is a set of counters: the dictionary of values and the cells by minute.
type rollCounts struct {
	ids   map[rollVal]uint32
	vals  []rollVal // by id
	cells map[int64]*[3]rollCell
}

func newRollCounts() *rollCounts {
	return &rollCounts{ids: map[rollVal]uint32{}, cells: map[int64]*[3]rollCell{}}
}

// id returns the id of v, adding it to the dictionary.
func (c *rollCounts) id(v rollVal) uint32 {
	id, ok := c.ids[v]
	if !ok {
		id = uint32(len(c.vals))
		c.ids[v] = id
		c.vals = append(c.vals, v)
	}
	return id
}

// add counts d sign times (1 or -1).
func (c *rollCounts) add(d rollDoc, sign int64) {
	if d.kind < 0 {
		return
	}
	cs := c.cells[d.minute]
	if cs == nil {
		cs = &[3]rollCell{}
		c.cells[d.minute] = cs
	}
	cell := &cs[d.kind]
	cell.n += sign
	if cell.vals == nil {
		cell.vals = make(map[uint32]int64, len(d.vals))
	}
	for _, v := range d.vals {
		cell.vals[c.id(v)] += sign
	}
}

// merge adds every count of o.
func (c *rollCounts) merge(o *rollCounts) {
	for m, ocs := range o.cells {
		cs := c.cells[m]
		if cs == nil {
			cs = &[3]rollCell{}
			c.cells[m] = cs
		}
		for k := range ocs {
			cell := &cs[k]
			cell.n += ocs[k].n
			if len(ocs[k].vals) > 0 && cell.vals == nil {
				cell.vals = make(map[uint32]int64, len(ocs[k].vals))
			}
			for id, n := range ocs[k].vals {
				cell.vals[c.id(o.vals[id])] += n
			}
		}
	}
}

// rollup is the index's rollup. Its methods are called by the follower goroutine, but
// for the queries' reads.
type rollup struct {
	mu     sync.RWMutex
	ready  bool   // counts matches the index's documents up to seq
	seq    uint64 // the indexed sequence the counts are at
	counts *rollCounts
	epoch  uint64 // changes at each rebuild: a rebuild of an older epoch is dropped
	cancel context.CancelFunc
	wg     sync.WaitGroup
	log    *slog.Logger

	rebuilt  chan struct{} // closed when the last rebuild ended
	answered atomic.Uint64 // queries answered from the rollup
	off      bool          // tests: queries always take the bleve path
	hold     chan struct{} // tests: a rebuild waits until it is closed
}

// rebuild starts counting the documents of bi, whose indexed sequence is seq, in the
// background; the follower's changes meanwhile are counted apart and added to the result.
// The reader is taken here, on the follower goroutine, before any change after it.
func (r *rollup) rebuild(bi bleve.Index, seq uint64) {
	r.stop()
	r.mu.Lock()
	r.epoch++
	epoch := r.epoch
	r.ready, r.seq, r.counts = false, seq, newRollCounts()
	rebuilt := make(chan struct{})
	r.rebuilt = rebuilt
	r.mu.Unlock()
	ir, err := reader(bi)
	if err != nil {
		close(rebuilt)
		r.log.Warn("search index: rollup not rebuilt, facets and histograms take the slower path", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), rebuildTimeout)
	r.cancel = cancel
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(rebuilt)
		defer cancel()
		defer ir.Close()
		if r.hold != nil {
			<-r.hold
		}
		start := time.Now()
		base, docs, err := countAll(ctx, ir)
		if err != nil {
			r.log.Warn("search index: rollup not rebuilt, facets and histograms take the slower path", "err", err)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.epoch != epoch {
			return
		}
		base.merge(r.counts)
		r.counts, r.ready = base, true
		r.log.Debug("search index: rollup rebuilt", "docs", docs, "took", time.Since(start))
	}()
}

// waitReady waits until the last rebuild has ended, and fails unless it left the rollup
// ready.
func (r *rollup) waitReady(ctx context.Context) error {
	r.mu.RLock()
	ch := r.rebuilt
	r.mu.RUnlock()
	if ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("rollup rebuild: %w", ctx.Err())
		}
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.ready {
		return fmt.Errorf("rollup not ready after its rebuild")
	}
	return nil
}

// stop ends a rebuild under way and waits for it.
func (r *rollup) stop() {
	if r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
	r.wg.Wait()
}

// reader returns a reader of bi's current documents.
func reader(bi bleve.Index) (bindex.IndexReader, error) {
	adv, err := bi.Advanced()
	if err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	ir, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("rollup: open a reader: %w", err)
	}
	return ir, nil
}

// rollDocFields are the doc values the rollup reads of a document.
var rollDocFields = append([]string{fieldTime}, rollFields...)

// docValues reads what the rollup counts of documents from their doc values.
type docValues struct {
	dvr bindex.DocValueReader
	doc rollDoc
	tm  bool // the document has a time
}

func newDocValues(ir bindex.IndexReader) (*docValues, error) {
	dvr, err := ir.DocValueReader(rollDocFields)
	if err != nil {
		return nil, fmt.Errorf("rollup: doc values: %w", err)
	}
	return &docValues{dvr: dvr}, nil
}

// read returns what the rollup counts of the document id.
func (dv *docValues) read(id bindex.IndexInternalID) (rollDoc, error) {
	dv.doc = rollDoc{minute: noTime, kind: -1}
	if err := dv.dvr.VisitDocValues(id, dv.visit); err != nil {
		return rollDoc{}, fmt.Errorf("rollup: read doc values: %w", err)
	}
	return dv.doc, nil
}

func (dv *docValues) visit(field string, term []byte) {
	if field == fieldTime {
		pc := numeric.PrefixCoded(term)
		if s, err := pc.Shift(); err == nil && s == 0 {
			if ns, err := pc.Int64(); err == nil {
				dv.doc.minute = minuteOf(ns)
			}
		}
		return
	}
	f, ok := rollField[field]
	if !ok || len(term) == 0 {
		return
	}
	if field == fieldKind {
		dv.doc.kind = kindIndex(string(term))
	}
	dv.doc.vals = append(dv.doc.vals, rollVal{field: f, value: string(term)})
}

// minuteOf returns the minute of a time in nanoseconds since the epoch.
func minuteOf(ns int64) int64 {
	m := ns / int64(time.Minute)
	if ns%int64(time.Minute) < 0 {
		m--
	}
	return m
}

// countAll counts every document ir holds.
func countAll(ctx context.Context, ir bindex.IndexReader) (*rollCounts, int, error) {
	c := newRollCounts()
	all, err := ir.DocIDReaderAll()
	if err != nil {
		return nil, 0, fmt.Errorf("rollup: list documents: %w", err)
	}
	defer all.Close()
	dv, err := newDocValues(ir)
	if err != nil {
		return nil, 0, err
	}
	n := 0
	for {
		id, err := all.Next()
		if err != nil {
			return nil, n, fmt.Errorf("rollup: list documents: %w", err)
		}
		if id == nil {
			return c, n, nil
		}
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, n, fmt.Errorf("rollup: after %d documents: %w", n, ctx.Err())
		}
		d, err := dv.read(id)
		if err != nil {
			return nil, n, err
		}
		c.add(d, 1)
		n++
	}
}

// rollBatch is the rollup's side of one bleve batch of the follower: the documents it
// indexes, and those it deletes, read before the batch is applied.
type rollBatch struct {
	r       *rollup
	bi      bleve.Index
	adds    map[string]rollDoc
	removed []rollDoc
	ir      bindex.IndexReader
	dv      *docValues
	err     error
}

// batch starts the rollup's side of a batch of bi.
func (r *rollup) batch(bi bleve.Index) *rollBatch {
	return &rollBatch{r: r, bi: bi, adds: map[string]rollDoc{}}
}

// index notes a document the batch indexes.
func (b *rollBatch) index(d *document.Document) {
	b.adds[d.ID()] = docOf(d)
}

// delete notes a document id the batch deletes: one of the batch's own, or one the index
// may hold, whose values are read now.
func (b *rollBatch) delete(id string) {
	if _, ok := b.adds[id]; ok {
		delete(b.adds, id)
		return
	}
	if b.err != nil {
		return
	}
	if b.ir == nil {
		if b.ir, b.err = reader(b.bi); b.err != nil {
			return
		}
		if b.dv, b.err = newDocValues(b.ir); b.err != nil {
			return
		}
	}
	iid, err := b.ir.InternalID(id)
	if err != nil {
		b.err = fmt.Errorf("rollup: find %s: %w", id, err)
		return
	}
	if iid == nil {
		return
	}
	d, err := b.dv.read(iid)
	if err != nil {
		b.err = err
		return
	}
	b.removed = append(b.removed, d)
}

// done ends the batch: applied, it is counted and the rollup is at seq; not applied, it is
// dropped. A rollup that could not read what the batch deleted is left for the bleve
// path until the next rebuild.
func (b *rollBatch) done(applied bool, seq uint64) {
	if b.ir != nil {
		b.ir.Close()
	}
	if !applied {
		return
	}
	r := b.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if b.err != nil {
		if r.ready {
			r.log.Warn("search index: rollup out of step, facets and histograms take the slower path until the next open", "err", b.err)
		}
		r.ready = false
		r.epoch++ // a rebuild under way would be out of step too
		return
	}
	for _, d := range b.adds {
		r.counts.add(d, 1)
	}
	for _, d := range b.removed {
		r.counts.add(d, -1)
	}
	r.seq = max(r.seq, seq)
}

// advance notes that the index is at seq with no change to its documents.
func (r *rollup) advance(seq uint64) {
	r.mu.Lock()
	r.seq = max(r.seq, seq)
	r.mu.Unlock()
}

// docOf returns what the rollup counts of a document being indexed: the values bleve's
// doc values will hold.
func docOf(d *document.Document) rollDoc {
	rd := rollDoc{minute: noTime, kind: -1}
	for _, f := range d.Fields {
		switch f := f.(type) {
		case *document.DateTimeField:
			if f.Name() == fieldTime {
				if t, _, err := f.DateTime(); err == nil {
					rd.minute = minuteOf(t.UnixNano())
				}
			}
		case *keywordField:
			i, ok := rollField[f.name]
			if !ok || len(f.term) == 0 || !f.opts.IncludeDocValues() {
				continue
			}
			v := rollVal{field: i, value: string(f.term)}
			dup := false
			for _, o := range rd.vals {
				dup = dup || o == v
			}
			if dup {
				continue
			}
			if f.name == fieldKind {
				rd.kind = kindIndex(v.value)
			}
			rd.vals = append(rd.vals, v)
		}
	}
	return rd
}
