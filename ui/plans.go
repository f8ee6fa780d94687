package ui

// PlansPath is the explorer's Plans page.
const PlansPath = Base + "/plans"

// PlanCheck is the tracking-plan verdict of a record, for the record page.
type PlanCheck struct {
	Status  string // valid, invalid, unplanned or unknown
	Message string // for unknown: "unknown event specification <id>"
	Run     string // the record's test run; "" for none
	Specs   []PlanSpecCheck
}

// PlanSpecCheck is the check against one specification.
type PlanSpecCheck struct {
	Name, DataProduct, Href string
	Valid                   bool
	Errors                  []PlanError
}

// PlanError is one failed check with the JSON path it points at, if any.
type PlanError struct {
	Message, Path string
}

// PlansView is the Plans page: the data products with each specification's coverage,
// the files refused, the runs, and the upload forms.
type PlansView struct {
	Run       string // the run the coverage is restricted to; "" for all records
	Message   string // outcome of the last upload
	Error     string
	Products  []PlanProduct
	Unplanned int
	Refused   []KV // path and reason
	Uploaded  []string
	Runs      []PlanRun
	CanEdit   bool
	CSRF      string
}

// PlanProduct is a data product and its specifications.
type PlanProduct struct {
	Name, Domain, Owner, Path string
	Specs                     []PlanSpecRow
}

// PlanSpecRow is one specification with its coverage.
type PlanSpecRow struct {
	Name, Event, AppIDs, LastSeen, Href string
	Seen, Valid, Invalid                int
	Errors                              []string
}

// PlanRun is a test run, linked to its coverage.
type PlanRun struct {
	ID, Started, Href string
	Active            bool
	Good, Bad         int
}
