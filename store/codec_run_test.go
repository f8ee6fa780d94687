package store

import (
	"testing"

	"github.com/plowbox/plowbox/enrich"
)

func TestRecordRunAndPlanRoundTrip(t *testing.T) {
	z := testCompressor(t)
	tests := []struct {
		name string
		run  string
		plan []byte
	}{
		{"neither", "", nil},
		{"run only", "ci-42", nil},
		{"plan only", "", []byte(`{"status":"unplanned","specs":[]}`)},
		{"both", "ci-42", []byte(`{"status":"valid","specs":[]}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := out(enrich.StageGood, "a")
			o.Run, o.Plan = tt.run, tt.plan
			var rec Record
			if _, err := z.decodeRecord(z.appendRecord(nil, &o, 1), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Run != tt.run || string(rec.Plan) != string(tt.plan) || (rec.Plan == nil) != (tt.plan == nil) {
				t.Errorf("run %q plan %q, want %q %q", rec.Run, rec.Plan, tt.run, tt.plan)
			}
		})
	}
}
