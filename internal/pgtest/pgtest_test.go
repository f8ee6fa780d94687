package pgtest

import (
	"context"
	"database/sql"
	"testing"
)

// TestStart starts a server, creates a user and a table, and reads a row back as that
// user over TCP.
func TestStart(t *testing.T) {
	s := Require(t)
	if err := s.Exec("postgres", "CREATE USER reader PASSWORD 'secret'", "CREATE DATABASE shop OWNER reader"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", s.URL("reader", "secret", "shop"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('hello')"); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := db.QueryRowContext(ctx, "SELECT v FROM t").Scan(&v); err != nil || v != "hello" {
		t.Fatalf("got %q, %v", v, err)
	}
}
