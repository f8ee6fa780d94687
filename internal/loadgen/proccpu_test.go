package loadgen

import (
	"os"
	"testing"
	"time"

	"github.com/plowbox/plowbox/internal/cputime"
)

// TestProcessCPU checks that the CPU time read from /proc agrees with getrusage for this
// process across 100 ms of work, within the 10 ms resolution of /proc.
func TestProcessCPU(t *testing.T) {
	pid := os.Getpid()
	p0, err := processCPU(pid)
	if err != nil {
		t.Skipf("no /proc CPU time here: %v", err)
	}
	r0 := cputime.Self()
	for x := 0; cputime.Self()-r0 < 100*time.Millisecond; x++ {
	}
	p1, err := processCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	got, want := p1-p0, cputime.Self()-r0
	if d := got - want; d < -30*time.Millisecond || d > 30*time.Millisecond {
		t.Errorf("processCPU advanced %v over work getrusage measured as %v", got, want)
	}
}
