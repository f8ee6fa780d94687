//go:build !unix

package cputime

import "time"

// Self returns 0 where getrusage is missing (Windows): benchmarks then report no CPU time.
func Self() time.Duration { return 0 }
