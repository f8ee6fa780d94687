// Package controlplane serves Snowplow Mini's control plane under /control-plane (its
// verbs on its paths, answered with Mini's texts) and the admin page under
// /micro/ui/admin, over a Plane that does the work.
package controlplane

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/plowbox/plowbox/internal/users"
)

// Plane is what Snowplow Mini's control-plane verbs (restart-services, enrichments,
// iglu-config, …) do inside plowbox: reloads instead of container restarts.
// cmd/plowbox implements it.
type Plane interface {
	// Reload rebuilds the enrichments from their directory and the resolver from its
	// registries, and flushes the schema cache. A broken configuration is refused with
	// an error wrapping ErrInvalid and the running one is kept.
	Reload(ctx context.Context) error
	// ReloadService reloads the subsystem behind one of Mini's service names; names
	// without a counterpart in plowbox are accepted and do nothing.
	ReloadService(ctx context.Context, service string) error
	// Reset deletes every event and bad row, as /micro/reset does.
	Reset(ctx context.Context) error
	// PutEnrichment checks an enrichment config with the startup loader, writes it as
	// name (a bare *.json file name) in the enrichments directory and puts it to work for
	// the very next event. A config that does not check out wraps ErrInvalid.
	PutEnrichment(ctx context.Context, name string, body []byte) error
	// AddRegistry keeps an Iglu registry in the data directory and adds it to the
	// resolver for the very next lookup.
	AddRegistry(ctx context.Context, reg Registry) error
	// SetSuperKey sets the built-in registry's super key.
	SetSuperKey(ctx context.Context, key string) error
	// FlushIgluCache drops every cached schema lookup.
	FlushIgluCache()
	// Status reports the health of every component (GET /control-plane/status).
	Status(ctx context.Context) Status
	// Enrichments lists the enrichment configs of the enrichments directory.
	Enrichments() []EnrichmentStatus
	// Registries lists the registries the resolver consults, in no particular order.
	Registries() []Registry
}

// TLSControl is what the domain-name and add-hsts verbs need from plowbox's built-in TLS.
type TLSControl interface {
	// SetDomain obtains a certificate for domain over ACME and serves HTTPS with it.
	SetDomain(ctx context.Context, domain string) error
	// EnableHSTS adds Strict-Transport-Security (max-age=31536000; includeSubDomains)
	// to HTTPS answers.
	EnableHSTS() error
}

// ErrInvalid marks errors caused by what the caller sent: answered 400.
var ErrInvalid = errors.New("invalid")

// Registry is an Iglu registry added through the control plane.
type Registry struct {
	Name           string   `json:"name"`
	URI            string   `json:"uri"`
	APIKey         string   `json:"apikey,omitempty"`
	VendorPrefixes []string `json:"vendorPrefixes"`
	Priority       int      `json:"priority"`
	Source         string   `json:"source,omitempty"` // "control-plane", "configuration", "built-in"
}

// EnrichmentStatus is one enrichment config file and how it fares.
type EnrichmentStatus struct {
	File    string `json:"file"`
	Schema  string `json:"schema,omitempty"`
	Enabled bool   `json:"enabled"`
	Status  string `json:"status"` // "running", "disabled", "not run: …", "broken: …"
}

// Status is the answer of GET /control-plane/status.
type Status struct {
	Version    string            `json:"version"`
	Uptime     string            `json:"uptime"`
	UptimeSecs int64             `json:"uptimeSeconds"`
	Healthy    bool              `json:"healthy"`
	Components []ComponentStatus `json:"components"`
	Counts     StatusCounts      `json:"counts"`
	DiskBytes  int64             `json:"diskBytes"`
	Oldest     *time.Time        `json:"oldestRecord"`
	SelfTest   SelfTest          `json:"selfTest"`
}

// ComponentStatus is the health of one part of plowbox.
type ComponentStatus struct {
	Name    string `json:"name"` // store, index, registry:<name>, enrichments
	Healthy bool   `json:"healthy"`
	Detail  string `json:"detail,omitempty"`
}

// StatusCounts are the numbers of stored records.
type StatusCounts struct {
	Good       int `json:"good"`
	Incomplete int `json:"incomplete"`
	Bad        int `json:"bad"`
}

// SelfTest is the outcome of a synthetic page view run through the enricher, unstored.
type SelfTest struct {
	OK       bool   `json:"ok"`
	Outcome  string `json:"outcome"` // "good" or the bad row's kind
	Duration string `json:"duration"`
	Detail   string `json:"detail,omitempty"`
}

// Options configures the control plane under /control-plane.
type Options struct {
	// Plane performs the verbs.
	Plane Plane
	// TLS serves domain-name and add-hsts; nil answers them 501.
	TLS TLSControl
	// Users receives the credentials verb; nil answers it 501.
	Users *users.Users
	// Version is plowbox's version, answered by /control-plane/version.
	Version string
	// ReachTimeout bounds external-iglu's reachability check; 0 means 5 s.
	ReachTimeout time.Duration
	// HTTPClient makes the reachability check; nil means a plain client.
	HTTPClient *http.Client
	// EnrichmentsDir is shown on the admin page.
	EnrichmentsDir string
}
