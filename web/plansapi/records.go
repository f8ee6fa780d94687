package plansapi

import (
	"encoding/json"
	"time"

	"github.com/plowbox/plowbox/enrich/event"
	"github.com/plowbox/plowbox/internal/plans"
	"github.com/plowbox/plowbox/store"
)

// verdictOf decodes a record's verdict; ok is false when it was not checked.
func verdictOf(rec *store.Record) (plans.Verdict, bool) {
	var v plans.Verdict
	if len(rec.Plan) == 0 || json.Unmarshal(rec.Plan, &v) != nil {
		return v, false
	}
	return v, true
}

// recordTime is a record's collector time, or its payload's.
func recordTime(rec *store.Record) time.Time {
	if rec.Event != nil {
		if t, ok := rec.Event.Time(event.CollectorTstamp); ok {
			return t
		}
	}
	if rec.Payload != nil {
		return rec.Payload.Timestamp
	}
	return time.Time{}
}
