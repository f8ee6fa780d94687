// Package plans loads tracking plans (data products, source applications and their event
// specifications, as Snowplow's snowplow-cli keeps them in a repository) and checks
// enriched events against them.
package plans

import (
	"github.com/plowbox/plowbox/enrich/iglu"
)

// Resource types of plan files.
const (
	TypeDataProduct       = "data-product"
	TypeSourceApplication = "source-application"
)

// Plans is a loaded set of data products. It is immutable once loaded and safe for
// concurrent use.
type Plans struct {
	Products []*DataProduct
	Apps     []*SourceApp
	specs    map[string]*Spec // by id
}

// SourceApp is a source application: the app ids it sends and the entities every one of
// its events must carry.
type SourceApp struct {
	ID       string
	Name     string
	Path     string // the file it came from, relative to the plan directory
	AppIDs   []string
	Tracked  []*EntityRule
	Enriched []*EntityRule
}

// DataProduct is a data product: a named group of event specifications.
type DataProduct struct {
	ID          string
	Name        string
	Domain      string
	Description string
	Owner       string
	Path        string
	Apps        []*SourceApp
	Specs       []*Spec
}

// Spec is an event specification.
type Spec struct {
	ID       string
	Name     string
	Product  *DataProduct
	Apps     []*SourceApp // the applications it applies to, exclusions removed
	Triggers []Trigger
	// Source is the event's schema (event.source); nil when the specification names none.
	Source   *iglu.SchemaKey
	schema   *iglu.InlineSchema // event.schema; nil when none
	Tracked  []*EntityRule
	Enriched []*EntityRule
}

// Trigger says when an event is sent; it is shown, never checked.
type Trigger struct {
	ID          string   `json:"id,omitempty"`
	Description string   `json:"description"`
	AppIDs      []string `json:"appIds,omitempty"`
	URL         string   `json:"url,omitempty"`
	Image       *Ref     `json:"image,omitempty"` // snowplow-cli writes {"$ref": <image file>}
}

// Ref is a {"$ref": <relative path>} link to another file.
type Ref struct {
	Ref string `json:"$ref"`
}

// EntityRule is a rule on the entities of one schema (vendor, name and model): how many an
// event carries and a schema each must satisfy.
type EntityRule struct {
	Source string         // the Iglu URI as written
	Key    iglu.SchemaKey // parsed Source
	Min    int
	Max    int // -1 means unbounded
	schema *iglu.InlineSchema
}

// Spec returns the specification with id, or nil.
func (p *Plans) Spec(id string) *Spec {
	if p == nil {
		return nil
	}
	return p.specs[id]
}

// Specs returns every specification, data product by data product.
func (p *Plans) Specs() []*Spec {
	if p == nil {
		return nil
	}
	var out []*Spec
	for _, dp := range p.Products {
		out = append(out, dp.Specs...)
	}
	return out
}

// AppIDs returns the app ids declared by the specification's applications; nil when none
// declares any, which means any app id.
func (s *Spec) AppIDs() []string {
	var ids []string
	for _, a := range s.Apps {
		ids = append(ids, a.AppIDs...)
	}
	return ids
}
