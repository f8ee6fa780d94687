package loadgen

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/plowbox/plowbox/internal/cputime"
)

// clockTicks is the unit of utime and stime in /proc/<pid>/stat (USER_HZ, 100 on Linux).
const clockTicks = 100

// processCPU returns the user and system CPU time process pid has used, every thread
// included, from /proc/<pid>/stat (Linux; an error elsewhere).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of process %d: %w", pid, err)
	}
	// The command name, field 2, is in parentheses and may hold spaces: fields count
	// from the last ')'. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("read CPU time of process %d: malformed /proc/%d/stat", pid, pid)
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("read CPU time of process %d: malformed /proc/%d/stat", pid, pid)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read CPU time of process %d: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// cpuMeter measures the CPU time plowbox (the server) and this process (the load
// generator, and the do-nothing handler when it is measured) use during one run.
type cpuMeter struct {
	pid            int
	server, client time.Duration
	ok             bool
}

// startCPU starts measuring the CPU of server process pid and of this process.
func startCPU(pid int) cpuMeter {
	s, err := processCPU(pid)
	return cpuMeter{pid: pid, server: s, client: cputime.Self(), ok: err == nil}
}

// perEvent returns the CPU time per event of the server and of this process since
// startCPU, for n events; ok is false where the server's CPU cannot be read.
func (m cpuMeter) perEvent(n int) (server, client time.Duration, ok bool) {
	s, err := processCPU(m.pid)
	if err != nil || !m.ok || n == 0 {
		return 0, 0, false
	}
	return (s - m.server) / time.Duration(n), (cputime.Self() - m.client) / time.Duration(n), true
}

// figure renders the CPU per event of a plowbox run for n events ("" when unknown).
func (m cpuMeter) figure(n int, unit string) string {
	server, client, ok := m.perEvent(n)
	if !ok {
		return ""
	}
	return fmt.Sprintf("  CPU plowbox %.1f µs/%s, load generator %.1f µs/%s", us(server), unit, us(client), unit)
}

// nopFigure renders the CPU per request of the do-nothing run for n requests: this
// process's, as the handler runs in it.
func (m cpuMeter) nopFigure(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("  CPU handler and load generator %.1f µs/req", us((cputime.Self()-m.client)/time.Duration(n)))
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }
