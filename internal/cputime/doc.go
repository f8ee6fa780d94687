// Package cputime reads the CPU time plowbox's own process has used, for benchmarks and
// the load generator, which report CPU per record beside wall time (steadier on a busy
// machine).
package cputime
