package mysqltest

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	_ "github.com/go-sql-driver/mysql"
)

// TestStart starts a server, creates a user and a table, and reads a row back as that
// user over TCP.
func TestStart(t *testing.T) {
	s := Require(t)
	if err := s.Exec("CREATE DATABASE shop", "CREATE USER 'reader'@'%' IDENTIFIED BY 'secret'", "GRANT ALL ON shop.* TO 'reader'@'%'",
		"CREATE TABLE shop.t (v TEXT)", "INSERT INTO shop.t VALUES ('hello')"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", fmt.Sprintf("reader:secret@tcp(%s:%d)/shop", s.Host, s.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(context.Background(), "SELECT v FROM t").Scan(&v); err != nil || v != "hello" {
		t.Fatalf("got %q, %v", v, err)
	}
}
