package plans

import (
	"cmp"
	"slices"
	"time"
)

// maxCoverageErrors caps the distinct error messages sampled per specification.
const maxCoverageErrors = 10

// Coverage says, per data product and specification, how many checked events matched it
// and how many held.
type Coverage struct {
	DataProducts []ProductCoverage `json:"data_products"`
	Unplanned    int               `json:"unplanned"`
}

// ProductCoverage is the coverage of one data product; specifications never seen first.
type ProductCoverage struct {
	ID    string         `json:"id"`
	Name  string         `json:"name"`
	Specs []SpecCoverage `json:"specs"`
}

// SpecCoverage is the coverage of one specification.
type SpecCoverage struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Seen     int          `json:"seen"`
	Valid    int          `json:"valid"`
	Invalid  int          `json:"invalid"`
	LastSeen *string      `json:"last_seen"`
	Errors   []ErrorCount `json:"errors"`

	last time.Time
}

// ErrorCount is an error message and how many events had it.
type ErrorCount struct {
	Message string `json:"message"`
	Count   int    `json:"count"`
}

// CoverageBuilder counts verdicts into a Coverage of the plans it was made for.
type CoverageBuilder struct {
	cov   Coverage
	specs map[string]*SpecCoverage
}

// NewCoverage starts the coverage of p.
func NewCoverage(p *Plans) *CoverageBuilder {
	b := &CoverageBuilder{cov: Coverage{DataProducts: []ProductCoverage{}}, specs: map[string]*SpecCoverage{}}
	if p == nil {
		return b
	}
	for _, dp := range p.Products {
		pc := ProductCoverage{ID: dp.ID, Name: dp.Name, Specs: make([]SpecCoverage, len(dp.Specs))}
		for i, s := range dp.Specs {
			pc.Specs[i] = SpecCoverage{ID: s.ID, Name: s.Name, Errors: []ErrorCount{}}
		}
		b.cov.DataProducts = append(b.cov.DataProducts, pc)
	}
	for i := range b.cov.DataProducts {
		for j := range b.cov.DataProducts[i].Specs {
			sc := &b.cov.DataProducts[i].Specs[j]
			b.specs[sc.ID] = sc
		}
	}
	return b
}

// Add counts the verdict of one event received at t.
func (b *CoverageBuilder) Add(v *Verdict, t time.Time) {
	if v.Status == StatusUnplanned {
		b.cov.Unplanned++
		return
	}
	for _, r := range v.Specs {
		sc := b.specs[r.ID]
		if sc == nil {
			continue // a specification the plans no longer have
		}
		sc.Seen++
		if r.Valid {
			sc.Valid++
		} else {
			sc.Invalid++
		}
		if t.After(sc.last) {
			sc.last = t
		}
		for _, e := range r.Errors {
			i := slices.IndexFunc(sc.Errors, func(ec ErrorCount) bool { return ec.Message == e.Message })
			switch {
			case i >= 0:
				sc.Errors[i].Count++
			case len(sc.Errors) < maxCoverageErrors:
				sc.Errors = append(sc.Errors, ErrorCount{Message: e.Message, Count: 1})
			}
		}
	}
}

// AddUnplanned counts n unplanned events, counted elsewhere (by the search index).
func (b *CoverageBuilder) AddUnplanned(n int) { b.cov.Unplanned += n }

// Result returns the coverage: in each product, specifications never seen first, then
// the others in plan order; errors most frequent first.
func (b *CoverageBuilder) Result() Coverage {
	for i := range b.cov.DataProducts {
		specs := b.cov.DataProducts[i].Specs
		for j := range specs {
			if !specs[j].last.IsZero() {
				s := specs[j].last.UTC().Format("2006-01-02T15:04:05.000Z")
				specs[j].LastSeen = &s
			}
			slices.SortStableFunc(specs[j].Errors, func(a, b ErrorCount) int { return cmp.Compare(b.Count, a.Count) })
		}
		slices.SortStableFunc(specs, func(a, b SpecCoverage) int {
			return cmp.Compare(min(a.Seen, 1), min(b.Seen, 1))
		})
	}
	return b.cov
}
