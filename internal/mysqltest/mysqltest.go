// Package mysqltest starts a throwaway MySQL-compatible server for tests: Debian's
// `mariadb-server` package (mariadb-install-db and mariadbd) in a temporary directory on
// a free loopback port, running as the `mysql` user when the test runs as root.
package mysqltest

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Server is a running server.
type Server struct {
	// Host and Port are where it listens (127.0.0.1 and a free port).
	Host string
	Port int
	dir  string
	cmd  *exec.Cmd
	exit chan error
}

// ErrNotInstalled is returned by Start when the server binaries are not installed.
var ErrNotInstalled = errors.New("MariaDB is not installed (Debian package mariadb-server: /usr/sbin/mariadbd)")

const (
	serverBin  = "/usr/sbin/mariadbd"
	installBin = "/usr/bin/mariadb-install-db"
	// startTimeout bounds the wait for the server's "ready for connections" line.
	startTimeout = 60 * time.Second
)

// Require starts a server for the test and stops it when the test ends. Starting one
// takes seconds, so it runs only with PLOWBOX_SLOW_TESTS=1. Without MariaDB installed the
// test is skipped, or fails when CI=true (CI installs it).
func Require(t testing.TB) *Server {
	t.Helper()
	if os.Getenv("PLOWBOX_SLOW_TESTS") != "1" {
		t.Skip("starting MariaDB takes seconds: set PLOWBOX_SLOW_TESTS=1")
	}
	s, err := Start()
	if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// Start initialises a data directory and starts a server; Stop removes it again. The
// superuser root connects without a password over the server's Unix socket.
func Start() (*Server, error) {
	if _, err := os.Stat(serverBin); err != nil {
		return nil, ErrNotInstalled
	}
	dir, err := os.MkdirTemp("", "plowbox-mysqltest-")
	if err != nil {
		return nil, fmt.Errorf("mysqltest: %w", err)
	}
	s := &Server{Host: "127.0.0.1", dir: dir, exit: make(chan error, 1)}
	var asUser []string
	if os.Geteuid() == 0 { // mariadbd refuses to run as root unless told which user to be
		u, err := user.Lookup("mysql")
		if err != nil {
			s.cleanup()
			return nil, fmt.Errorf("mysqltest: no mysql user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			s.cleanup()
			return nil, fmt.Errorf("mysqltest: %w", err)
		}
		asUser = []string{"--user=mysql"}
	}
	data := filepath.Join(dir, "data")
	install := exec.Command(installBin, append([]string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal",
		"--skip-test-db"}, asUser...)...)
	if out, err := install.CombinedOutput(); err != nil {
		s.cleanup()
		return nil, fmt.Errorf("mysqltest: mariadb-install-db: %w: %s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.cleanup()
		return nil, fmt.Errorf("mysqltest: find a free port: %w", err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	s.cmd = exec.Command(serverBin, append([]string{"--no-defaults", "--datadir=" + data, "--socket=" + s.socket(),
		"--port=" + strconv.Itoa(s.Port), "--bind-address=" + s.Host, "--skip-name-resolve", "--innodb-flush-log-at-trx-commit=0",
		"--pid-file=" + filepath.Join(dir, "pid")}, asUser...)...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		s.cleanup()
		return nil, fmt.Errorf("mysqltest: %w", err)
	}
	if err := s.cmd.Start(); err != nil {
		s.cleanup()
		return nil, fmt.Errorf("mysqltest: start mariadbd: %w", err)
	}
	ready := make(chan struct{})
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			if !once {
				log.WriteString(sc.Text() + "\n")
				if strings.Contains(sc.Text(), "ready for connections") {
					once = true
					close(ready)
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	go func() { s.exit <- s.cmd.Wait() }()
	select {
	case <-ready:
		return s, nil
	case err := <-s.exit:
		s.cleanup()
		return nil, fmt.Errorf("mysqltest: mariadbd exited: %v", err)
	case <-time.After(startTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exit
		s.cleanup()
		return nil, fmt.Errorf("mysqltest: mariadbd not ready after %s", startTimeout)
	}
}

// socket is the server's Unix socket.
func (s *Server) socket() string { return filepath.Join(s.dir, "mysqld.sock") }

// Stop stops the server and removes its directory.
func (s *Server) Stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case err = <-s.exit:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		err = <-s.exit
	}
	s.cleanup()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return fmt.Errorf("mysqltest: stop: %w", err)
	}
	return nil
}

// cleanup removes the server's directory.
func (s *Server) cleanup() { _ = os.RemoveAll(s.dir) }

// Exec runs SQL statements as root, one statement per entry.
func (s *Server) Exec(statements ...string) error {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", s.socket()
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return fmt.Errorf("mysqltest: %w", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, st := range statements {
		if _, err := db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("mysqltest: %s: %w", strings.TrimSpace(st), err)
		}
	}
	return nil
}
