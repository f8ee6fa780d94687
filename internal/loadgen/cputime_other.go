//go:build !unix

package loadgen

import "time"

// cpuTime returns 0 where getrusage is missing (Windows): benchmarks then report no CPU time.
func cpuTime() time.Duration { return 0 }
