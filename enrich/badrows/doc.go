// Package badrows builds Snowplow bad rows (bad-rows.md): the self-describing JSON that
// records why a collector payload or an event failed, in the exact shapes of the
// snowplow-badrows schemas.
package badrows
