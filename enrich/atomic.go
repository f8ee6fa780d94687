package enrich

import (
	"strconv"

	"github.com/plowbox/plowbox/enrich/badrows"
	"github.com/plowbox/plowbox/enrich/event"
)

// checkLengths validates atomic field lengths in UTF-16 code units (enriched-event.md §8).
// Each field over its limit is reported and, unless acceptInvalid, set to null.
func checkLengths(e *event.Event, limits map[string]int, acceptInvalid bool) []badrows.DataReport {
	if acceptInvalid {
		return nil
	}
	var reports []badrows.DataReport
	for f := range event.Field(event.NumFields) {
		info := event.Fields[f]
		limit := info.MaxLen
		if l, ok := limits[info.Name]; ok {
			limit = l
		}
		v := e.Get(f)
		if limit <= 0 || len(v) <= limit || event.UTF16Len(v) <= limit {
			continue
		}
		reports = append(reports, badrows.DataReport{
			Message: "Field is longer than maximum allowed size " + strconv.Itoa(limit),
			Path:    info.Name, Keyword: "atomic_field_length_exceeded", Targets: []string{},
		})
		e.Set(f, "")
	}
	return reports
}
