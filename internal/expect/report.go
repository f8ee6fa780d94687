package expect

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteText prints one line per expectation (PASS or FAIL, name, counts) and, under a
// failure, its nearest events.
func WriteText(w io.Writer, r *Report) {
	passed := 0
	for _, res := range r.Results {
		mark := "FAIL"
		if res.Passed {
			mark = "PASS"
			passed++
		}
		fmt.Fprintf(w, "%s  %s: %s\n", mark, res.Name, res.Message)
		for _, d := range res.Details {
			fmt.Fprintf(w, "        %s\n", d)
		}
	}
	fmt.Fprintf(w, "%d of %d expectations passed\n", passed, len(r.Results))
}

// failureText is the text of a failed result, as in the text report.
func failureText(res Result) string {
	return strings.Join(append([]string{res.Message}, res.Details...), "\n")
}

type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes one <testsuite name="plowbox expect"> with a <testcase> per
// expectation and a <failure> for each that failed.
func WriteJUnit(w io.Writer, r *Report) error {
	s := junitSuite{Name: "plowbox expect", Tests: len(r.Results), Time: fmt.Sprintf("%.3f", r.Took.Seconds())}
	for _, res := range r.Results {
		c := junitCase{Name: res.Name, Classname: "plowbox expect", SystemOut: res.Message}
		if !res.Passed {
			s.Failures++
			c.Failure = &junitFailure{Message: res.Message, Text: failureText(res)}
		}
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// SpecGroup counts a run's events matched to one specification.
type SpecGroup struct {
	Name, DataProduct string
	Valid, Invalid    int
}

// RunSummary is a run's events grouped by specification.
type RunSummary struct {
	Specs              []SpecGroup
	Unplanned, Unknown int
	Unchecked, Total   int
	Truncated          bool
}

// Summarize groups the events of run (all records when run is "") by specification.
func Summarize(ctx context.Context, src Source, run string) (*RunSummary, error) {
	q := "kind:good OR kind:incomplete"
	if run != "" {
		q = "(" + q + ") AND " + RunQuery(run)
	}
	total, hits, err := src.Search(ctx, q, maxHits)
	if err != nil {
		return nil, err
	}
	s := &RunSummary{Total: total, Truncated: total > len(hits)}
	groups := map[string]*SpecGroup{}
	for _, h := range hits {
		switch {
		case h.Plan == nil:
			s.Unchecked++
		case h.Plan.Status == "unplanned":
			s.Unplanned++
		case h.Plan.Status == "unknown":
			s.Unknown++
		}
		if h.Plan == nil {
			continue
		}
		for _, sr := range h.Plan.Specs {
			g := groups[sr.ID]
			if g == nil {
				g = &SpecGroup{Name: sr.Name, DataProduct: sr.DataProduct}
				groups[sr.ID] = g
			}
			if sr.Valid {
				g.Valid++
			} else {
				g.Invalid++
			}
		}
	}
	for _, g := range groups {
		s.Specs = append(s.Specs, *g)
	}
	sort.Slice(s.Specs, func(i, j int) bool {
		a, b := s.Specs[i], s.Specs[j]
		if a.DataProduct != b.DataProduct {
			return a.DataProduct < b.DataProduct
		}
		return a.Name < b.Name
	})
	return s, nil
}

// mdCell escapes a value for a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", "<br>")
}

// WriteMarkdown writes a report for a merge request: a summary line, the expectations
// table, then the run's events grouped by specification and the unplanned ones.
func WriteMarkdown(w io.Writer, r *Report, sum *RunSummary) {
	passed := 0
	for _, res := range r.Results {
		if res.Passed {
			passed++
		}
	}
	mark := "✅"
	if !r.Passed {
		mark = "❌"
	}
	scope := ""
	if r.Run != "" {
		scope = " for run `" + r.Run + "`"
	}
	fmt.Fprintf(w, "## plowbox expect%s\n\n%s %d of %d expectations passed\n\n", scope, mark, passed, len(r.Results))
	fmt.Fprintf(w, "| | expectation | count | result |\n|---|---|---|---|\n")
	for _, res := range r.Results {
		m := "✅"
		if !res.Passed {
			m = "❌"
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s |\n", m, mdCell(res.Name), res.Count, mdCell(failureText(res)))
	}
	if sum == nil {
		return
	}
	fmt.Fprintf(w, "\n### Events by specification\n\n")
	if len(sum.Specs) == 0 {
		fmt.Fprintf(w, "No event matched a specification.\n")
	} else {
		fmt.Fprintf(w, "| data product | specification | verdict | events |\n|---|---|---|---|\n")
		for _, g := range sum.Specs {
			if g.Valid > 0 {
				fmt.Fprintf(w, "| %s | %s | ✅ valid | %d |\n", mdCell(g.DataProduct), mdCell(g.Name), g.Valid)
			}
			if g.Invalid > 0 {
				fmt.Fprintf(w, "| %s | %s | ❌ invalid | %d |\n", mdCell(g.DataProduct), mdCell(g.Name), g.Invalid)
			}
		}
	}
	fmt.Fprintf(w, "\nUnplanned events: %d", sum.Unplanned)
	if sum.Unknown > 0 {
		fmt.Fprintf(w, "; naming an unknown specification: %d", sum.Unknown)
	}
	if sum.Unchecked > 0 {
		fmt.Fprintf(w, "; not checked: %d", sum.Unchecked)
	}
	if sum.Truncated {
		fmt.Fprintf(w, " (the newest %d of %d events)", maxHits, sum.Total)
	}
	fmt.Fprintf(w, "\n")
}
