package explorer

import (
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/ui"
)

// planCheck is the record page's view of a record's tracking-plan verdict; nil when
// the record was not checked.
func planCheck(rec *store.Record) *ui.PlanCheck {
	if len(rec.Plan) == 0 {
		return nil
	}
	var v struct {
		Status  string `json:"status"`
		Message string `json:"message"`
		Specs   []struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			DataProduct string `json:"data_product"`
			Valid       bool   `json:"valid"`
			Errors      []struct {
				Message string  `json:"message"`
				Path    *string `json:"path"`
			} `json:"errors"`
		} `json:"specs"`
	}
	if json.Unmarshal(rec.Plan, &v) != nil {
		return nil
	}
	pc := &ui.PlanCheck{Status: v.Status, Message: v.Message, Run: rec.Run}
	for _, s := range v.Specs {
		sc := ui.PlanSpecCheck{Name: s.Name, DataProduct: s.DataProduct, Valid: s.Valid,
			Href: ui.Base + "/events?q=" + url.QueryEscape("spec:"+strconv.Quote(s.ID))}
		for _, e := range s.Errors {
			pe := ui.PlanError{Message: e.Message}
			if e.Path != nil {
				pe.Path = *e.Path
			}
			sc.Errors = append(sc.Errors, pe)
		}
		pc.Specs = append(pc.Specs, sc)
	}
	return pc
}
