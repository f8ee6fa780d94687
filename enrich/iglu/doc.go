// Package iglu resolves Iglu schemas from registries and validates self-describing JSON
// against them with draft-04 semantics (iglu.md): schema keys and criteria, resolver
// configuration, repositories, a caching resolver with lookup histories, and a
// validator that reports errors as Snowplow bad-row client errors.
//
// Wiring: build repositories with RepositoriesFromConfig (a --iglu resolver file parsed
// by ParseResolverConfig), DefaultRepositories, NewEmbeddedRepository (--iglu-dir) and
// CustomRegistry (PLOWBOX_IGLU_REGISTRY_URL); pass plowbox's own registry as
// Options.Builtin; then NewResolver and NewValidator. Call Resolver.Invalidate when a
// schema is written and Resolver.Flush for an explicit cache flush.
package iglu
