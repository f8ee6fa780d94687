package index

import (
	"encoding/json"
	"strings"

	"github.com/blevesearch/bleve/v2/document"

	"github.com/plowbox/plowbox/store"
)

// Fields of a record's test run and tracking-plan verdict (internal/runs, internal/plans).
const (
	fieldRun         = "run"          // the test run id
	fieldSpec        = "spec"         // id and name of each matched event specification
	fieldSpecValid   = "spec_valid"   // "true" or "false": whether every matched specification holds
	fieldPlanStatus  = "plan_status"  // valid, invalid, unplanned or unknown
	fieldDataProduct = "data_product" // name (and id) of each matched specification's data product
	fieldSpecError   = "spec_error"   // the verdict's error messages, as text
)

// planVerdict is what the index reads of a record's verdict.
type planVerdict struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	Specs   []struct {
		ID            string `json:"id"`
		Name          string `json:"name"`
		DataProductID string `json:"data_product_id"`
		DataProduct   string `json:"data_product"`
		Valid         bool   `json:"valid"`
		Errors        []struct {
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"specs"`
}

// addRunAndPlan adds the record's run and the fields of its verdict.
func (b *builder) addRunAndPlan(d *document.Document, rec *store.Record) {
	if rec.Run != "" {
		b.keyword(d, fieldRun, rec.Run, optSortable)
	}
	if rec.Plan == nil {
		return
	}
	var v planVerdict
	if json.Unmarshal(rec.Plan, &v) != nil || v.Status == "" {
		b.skipped++
		return
	}
	b.keyword(d, fieldPlanStatus, v.Status, optSortable)
	var msgs []string
	if v.Message != "" {
		msgs = append(msgs, v.Message)
	}
	if v.Status == "valid" || v.Status == "invalid" {
		b.keyword(d, fieldSpecValid, boolText(v.Status == "valid"), optIndexed)
	}
	for _, s := range v.Specs {
		b.keyword(d, fieldSpec, s.ID, optIndexed)
		b.keyword(d, fieldSpec, s.Name, optIndexed)
		b.keyword(d, fieldDataProduct, s.DataProduct, optIndexed)
		b.keyword(d, fieldDataProduct, s.DataProductID, optIndexed)
		for _, e := range s.Errors {
			msgs = append(msgs, e.Message)
		}
	}
	if len(msgs) > 0 {
		txt := truncateUTF8(strings.Join(msgs, "\n"), maxFailMsgs)
		d.AddField(document.NewTextFieldCustom(fieldSpecError, nil, []byte(txt), optIndexed, b.txt))
	}
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}
