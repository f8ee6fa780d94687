// Package enrichments implements plowbox's configurable enrichments (enrichments.md): it
// reads Snowplow's own enrichment configuration files, checks them, and builds the
// enrich.Enrichment values the pipeline runs in phase 2 (enriched-event.md §1).
package enrichments
