package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/plowbox/plowbox/enrich"
)

// crashDirEnv switches the test binary into the crash child: it writes to the store in the
// directory the variable names until it is killed.
const crashDirEnv = "PLOWBOX_STORE_CRASH_DIR"

// TestCrash kills a writing child process with SIGKILL mid-stream and checks that every
// write it acknowledged survived, exactly once, and that the counts match the records.
func TestCrash(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// An acknowledged line is "<first seq> <stage> <id>".
	type ack struct {
		seq   uint64
		stage enrich.Stage
	}
	acked := map[string]ack{}
	const killAfter = 3000 // acknowledged records
	sc := bufio.NewScanner(stdout)
	killed := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue // the testing framework's own output
		}
		seq, err1 := strconv.ParseUint(f[0], 10, 64)
		st, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line from child: %q", sc.Text())
		}
		acked[f[2]] = ack{seq, enrich.Stage(st)}
		if len(acked) == killAfter && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child exited after %d acknowledged records: %v", len(acked), err)
	}
	t.Logf("child killed after %d acknowledged records", len(acked))

	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seen := map[string]int{}
	var counts Counts
	if err := s.Since(0, func(r *Record) bool {
		id := idOf(r)
		seen[id]++
		counts.add(r.Stage, 1)
		if a, ok := acked[id]; ok && (a.seq != r.Seq || a.stage != r.Stage) {
			t.Errorf("%s: stored as seq %d stage %d, acknowledged as %d %d", id, r.Seq, r.Stage, a.seq, a.stage)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	for id := range acked {
		if seen[id] != 1 {
			t.Errorf("acknowledged record %s stored %d times", id, seen[id])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s stored %d times", id, n)
		}
	}
	if got := s.Counts(); got != counts {
		t.Errorf("Counts() = %+v, records give %+v", got, counts)
	}
	for name, iter := range map[string]func(func(*Record) bool) error{"Good": s.Good, "Bad": s.Bad, "Events": s.Events} {
		n := len(collect(t, iter))
		want := map[string]int{"Good": counts.Good, "Bad": counts.Bad, "Events": counts.Good + counts.Incomplete}[name]
		if n != want {
			t.Errorf("%s lists %d records, want %d", name, n, want)
		}
	}
	t.Logf("%d records after the crash, %d acknowledged", len(seen), len(acked))
}

// crashChild writes from several goroutines forever, printing each acknowledged write.
func crashChild(dir string) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				// Every fifth write carries three outputs of one payload.
				r := &enrich.Result{Payload: testPayload(i)}
				for j := range 1 + 2*btoi(i%5 == 0) {
					st := []enrich.Stage{enrich.StageGood, enrich.StageValidation, enrich.StageAdapter, enrich.StageGood}[(i+j)%4]
					r.Outputs = append(r.Outputs, out(st, fmt.Sprintf("w%d-%d-%d", w, i, j)))
				}
				first, err := s.WriteSeq(context.Background(), r)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				var lines strings.Builder
				for j, o := range r.Outputs {
					fmt.Fprintf(&lines, "%d %d %s\n", first+uint64(j), o.Stage, idOf(&Record{Event: o.Event, BadRow: o.BadRow}))
				}
				mu.Lock()
				os.Stdout.WriteString(lines.String())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
