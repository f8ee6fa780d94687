// Package pgtest starts a throwaway PostgreSQL server for tests: Debian's `postgresql`
// package (initdb and pg_ctl from /usr/lib/postgresql/*/bin) in a temporary directory on
// a free loopback port, as the unprivileged `postgres` user when the test runs as root.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Server is a running PostgreSQL server.
type Server struct {
	// Host and Port are where it listens (127.0.0.1 and a free port).
	Host string
	Port int
	// Superuser is the name of the superuser, who connects without a password.
	Superuser string
	dir, bin  string
	cred      *syscall.Credential
}

// ErrNotInstalled is returned by Start when no PostgreSQL server binaries are installed.
var ErrNotInstalled = errors.New("PostgreSQL is not installed (Debian package postgresql: /usr/lib/postgresql/*/bin/initdb)")

// Require starts a server for the test and stops it when the test ends. Without
// PostgreSQL installed the test is skipped, or fails when CI=true (CI installs it).
func Require(t testing.TB) *Server {
	t.Helper()
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

// Start initialises a data directory and starts a server; Stop removes it again.
func Start() (*Server, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		return nil, ErrNotInstalled
	}
	sort.Strings(bins)
	s := &Server{Host: "127.0.0.1", Superuser: "postgres", bin: filepath.Dir(bins[len(bins)-1])}
	dir, err := os.MkdirTemp("", "plowbox-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s.dir = dir
	if os.Geteuid() == 0 { // postgres refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			u, err = user.Lookup("nobody")
		}
		if err != nil {
			s.cleanup()
			return nil, fmt.Errorf("pgtest: no unprivileged user to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			s.cleanup()
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	if s.Port, err = freePort(); err != nil {
		s.cleanup()
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run("initdb", "-D", data, "-U", s.Superuser, "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		s.cleanup()
		return nil, fmt.Errorf("pgtest: initdb: %w: %s", err, out)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=%s -c fsync=off", s.Port, dir, s.Host)
	if out, err := s.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "30", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		s.cleanup()
		return nil, fmt.Errorf("pgtest: pg_ctl start: %w: %s %s", err, out, log)
	}
	return s, nil
}

// run runs one of the server's programs as the server's user.
func (s *Server) run(prog string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(s.bin, prog), args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd.CombinedOutput()
}

// Stop stops the server at once and removes its directory.
func (s *Server) Stop() error {
	out, err := s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	s.cleanup()
	if err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %w: %s", err, out)
	}
	return nil
}

// cleanup removes the server's directory.
func (s *Server) cleanup() { _ = os.RemoveAll(s.dir) }

// URL is a connection URL for user, password and database on the server.
func (s *Server) URL(user, password, database string) string {
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), Path: "/" + database,
		RawQuery: "sslmode=disable"}
	if password != "" {
		u.User = url.UserPassword(user, password)
	} else {
		u.User = url.User(user)
	}
	return u.String()
}

// Exec runs SQL statements as the superuser in database (one statement per entry, so
// that CREATE DATABASE runs outside a transaction).
func (s *Server) Exec(database string, statements ...string) error {
	db, err := sql.Open("pgx", s.URL(s.Superuser, "", database))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, st := range statements {
		if _, err := db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("pgtest: %s: %w", strings.TrimSpace(st), err)
		}
	}
	return nil
}

// freePort finds a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
