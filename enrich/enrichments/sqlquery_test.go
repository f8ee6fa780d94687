package enrichments

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/internal/mysqltest"
	"github.com/plowbox/plowbox/internal/pgtest"
)

func TestPropertyNames(t *testing.T) {
	tests := []struct{ conv, in, want string }{
		{"CAMEL_CASE", "service_name", "serviceName"},
		{"CAMEL_CASE", "ServiceName", "serviceName"},
		{"CAMEL_CASE", "pk", "pk"},
		{"PASCAL_CASE", "service_name", "ServiceName"},
		{"SNAKE_CASE", "serviceName", "service_name"},
		{"SNAKE_CASE", "Service Name", "service_name"},
		{"LOWER_CASE", "Service_Name", "service_name"},
		{"UPPER_CASE", "service_name", "SERVICE_NAME"},
		{"AS_IS", "Service_name", "Service_name"},
	}
	for _, tt := range tests {
		if got := propertyNames[tt.conv](tt.in); got != tt.want {
			t.Errorf("%s(%q) = %q, want %q", tt.conv, tt.in, got, tt.want)
		}
	}
}

func TestRewritePlaceholders(t *testing.T) {
	tests := []struct {
		in       string
		postgres bool
		want     string
		n        int
	}{
		{"SELECT a FROM t WHERE x = ? AND y = ?", true, "SELECT a FROM t WHERE x = $1 AND y = $2", 2},
		{"SELECT '?' AS q, \"a?\" FROM t WHERE x = ?", true, "SELECT '?' AS q, \"a?\" FROM t WHERE x = $1", 1},
		{"SELECT a FROM t WHERE x = ? AND y = ?", false, "SELECT a FROM t WHERE x = ? AND y = ?", 2},
	}
	for _, tt := range tests {
		if got, n := rewritePlaceholders(tt.in, tt.postgres); got != tt.want || n != tt.n {
			t.Errorf("rewritePlaceholders(%q) = %q, %d; want %q, %d", tt.in, got, n, tt.want, tt.n)
		}
	}
}

// sqlConfig builds a sql_query_enrichment_config against the PostgreSQL test server.
func sqlConfig(t testing.TB, pg *pgtest.Server, query, expectedRows, describes string, inputs []any) enrich.Enrichment {
	t.Helper()
	return sqlConfigFor(t, map[string]any{"postgresql": map[string]any{"host": pg.Host, "port": pg.Port, "sslMode": false, "username": "reader", "password": "s3cret", "database": "crm"}},
		query, expectedRows, describes, inputs)
}

// sqlConfigFor builds a sql_query_enrichment_config against database.
func sqlConfigFor(t testing.TB, database map[string]any, query, expectedRows, describes string, inputs []any) enrich.Enrichment {
	t.Helper()
	cfg, err := json.Marshal(map[string]any{"schema": "iglu:com.snowplowanalytics.snowplow.enrichments/sql_query_enrichment_config/jsonschema/1-0-1",
		"data": map[string]any{"vendor": VendorEnrichments, "name": "sql_query_enrichment_config", "enabled": true, "parameters": map[string]any{
			"inputs":   inputs,
			"database": database,
			"query":    map[string]any{"sql": query},
			"output":   map[string]any{"expectedRows": expectedRows, "json": map[string]any{"schema": "iglu:com.acme/user/jsonschema/1-0-0", "describes": describes, "propertyNames": "CAMEL_CASE"}},
			"cache":    map[string]any{"size": 10, "ttl": 60},
		}}})
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := LoadConfigs([]json.RawMessage{cfg}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Close(list) })
	return list[0]
}

// TestSQLQuery runs the enrichment against a real PostgreSQL.
func TestSQLQuery(t *testing.T) {
	pg := pgtest.Require(t)
	if err := pg.Exec("postgres", "CREATE USER reader PASSWORD 's3cret'", "CREATE DATABASE crm OWNER reader"); err != nil {
		t.Fatal(err)
	}
	if err := pg.Exec("crm",
		`CREATE TABLE users (user_id TEXT, client TEXT, full_name TEXT, visits INTEGER, vip BOOLEAN, score NUMERIC(5,2))`,
		`INSERT INTO users VALUES ('u1', 'shop', 'Ann', 3, true, 1.50), ('u2', 'shop', 'Bob', 7, false, NULL), ('u3', 'blog', 'Cy', 1, false, 2)`,
		`GRANT SELECT ON users TO reader`); err != nil {
		t.Fatal(err)
	}
	byUser := []any{
		map[string]any{"placeholder": 1, "json": map[string]any{"field": "contexts", "schemaCriterion": "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-*-*", "jsonPath": "$.userId"}},
		map[string]any{"placeholder": 1, "pojo": map[string]any{"field": "user_id"}},
		map[string]any{"placeholder": 2, "pojo": map[string]any{"field": "app_id"}},
	}
	byClient := []any{map[string]any{"placeholder": 1, "pojo": map[string]any{"field": "app_id"}}}
	const cols = "SELECT full_name, visits, vip, score FROM users"
	tests := []struct {
		name                          string
		query, expectedRows, describe string
		inputs                        []any
		fields                        map[string]string
		want                          []string
		wantErr                       string
	}{
		{name: "one row, ALL_ROWS: an object", query: cols + " WHERE user_id = ? AND client = ?", expectedRows: "EXACTLY_ONE", describe: "ALL_ROWS", inputs: byUser,
			fields: map[string]string{"user_id": "u1", "app_id": "shop"},
			want:   []string{`{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"fullName":"Ann","visits":3,"vip":true,"score":"1.50"}}`}},
		{name: "the entity's value comes first", query: cols + " WHERE user_id = ? AND client = ?", expectedRows: "AT_MOST_ONE", describe: "ALL_ROWS", inputs: byUser,
			fields: map[string]string{"user_id": "u1", "app_id": "shop", "contexts": `[{"schema":"iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-1","data":{"userId":"u2"}}]`},
			want:   []string{`{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"fullName":"Bob","visits":7,"vip":false,"score":null}}`}},
		{name: "EVERY_ROW: a context per row", query: cols + " WHERE client = ? ORDER BY user_id", expectedRows: "AT_LEAST_ONE", describe: "EVERY_ROW", inputs: byClient,
			fields: map[string]string{"app_id": "shop"},
			want: []string{`{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"fullName":"Ann","visits":3,"vip":true,"score":"1.50"}}`,
				`{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"fullName":"Bob","visits":7,"vip":false,"score":null}}`}},
		{name: "ALL_ROWS of several: an array", query: "SELECT full_name FROM users WHERE client = ? ORDER BY user_id", expectedRows: "AT_LEAST_ZERO", describe: "ALL_ROWS", inputs: byClient,
			fields: map[string]string{"app_id": "shop"},
			want:   []string{`{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":[{"fullName":"Ann"},{"fullName":"Bob"}]}`}},
		{name: "no rows where some may be missing: no context", query: cols + " WHERE client = ?", expectedRows: "AT_LEAST_ZERO", describe: "EVERY_ROW", inputs: byClient,
			fields: map[string]string{"app_id": "none"}},
		{name: "too many rows", query: cols + " WHERE client = ?", expectedRows: "EXACTLY_ONE", describe: "ALL_ROWS", inputs: byClient,
			fields: map[string]string{"app_id": "shop"}, wantErr: "SQL query returned 2 rows, expected exactly one"},
		{name: "no row where one is needed", query: cols + " WHERE client = ?", expectedRows: "AT_LEAST_ONE", describe: "ALL_ROWS", inputs: byClient,
			fields: map[string]string{"app_id": "none"}, wantErr: "SQL query returned 0 rows, expected at least one"},
		{name: "a field's text against an integer column", query: "SELECT full_name FROM users WHERE visits = ?", expectedRows: "EXACTLY_ONE", describe: "ALL_ROWS",
			inputs: []any{map[string]any{"placeholder": 1, "pojo": map[string]any{"field": "txn_id"}}},
			fields: map[string]string{"txn_id": "7"},
			want:   []string{`{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"fullName":"Bob"}}`}},
		{name: "a JSON number from an entity", query: "SELECT full_name FROM users WHERE visits = ?", expectedRows: "EXACTLY_ONE", describe: "ALL_ROWS",
			inputs: []any{map[string]any{"placeholder": 1, "json": map[string]any{"field": "unstruct_event", "schemaCriterion": "iglu:com.acme/visit/jsonschema/1-*-*", "jsonPath": "$.count"}}},
			fields: map[string]string{"unstruct_event": `{"schema":"iglu:com.acme/visit/jsonschema/1-0-0","data":{"count":3}}`},
			want:   []string{`{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"fullName":"Ann"}}`}},
		{name: "a placeholder without a value: no query", query: cols + " WHERE user_id = ? AND client = ?", expectedRows: "EXACTLY_ONE", describe: "ALL_ROWS", inputs: byUser,
			fields: map[string]string{"app_id": "shop"}},
		{name: "a failing query is an enrichment failure", query: "SELECT nope FROM users WHERE client = ?", expectedRows: "AT_LEAST_ZERO", describe: "ALL_ROWS", inputs: byClient,
			fields: map[string]string{"app_id": "shop"}, wantErr: `column "nope" does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			en := sqlConfig(t, pg, tt.query, tt.expectedRows, tt.describe, tt.inputs)
			ctxs, err := en.Enrich(context.Background(), newEvent(t, tt.fields), nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got := strs(ctxs); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("contexts\n got %q\nwant %q", got, tt.want)
			}
		})
	}

	t.Run("answers are cached for their inputs", func(t *testing.T) {
		en := sqlConfig(t, pg, "SELECT visits FROM users WHERE user_id = ?", "EXACTLY_ONE", "ALL_ROWS",
			[]any{map[string]any{"placeholder": 1, "pojo": map[string]any{"field": "user_id"}}})
		ev := newEvent(t, map[string]string{"user_id": "u3"})
		first, err := en.Enrich(context.Background(), ev, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := pg.Exec("crm", "UPDATE users SET visits = 99 WHERE user_id = 'u3'"); err != nil {
			t.Fatal(err)
		}
		again, err := en.Enrich(context.Background(), ev, nil)
		if err != nil || strings.Join(strs(again), "") != strings.Join(strs(first), "") {
			t.Fatalf("second answer %q (%v), want the cached %q", strs(again), err, strs(first))
		}
		fresh := sqlConfig(t, pg, "SELECT visits FROM users WHERE user_id = ?", "EXACTLY_ONE", "ALL_ROWS",
			[]any{map[string]any{"placeholder": 1, "pojo": map[string]any{"field": "user_id"}}})
		got, err := fresh.Enrich(context.Background(), ev, nil)
		if err != nil || !strings.Contains(strings.Join(strs(got), ""), `"visits":99`) {
			t.Fatalf("uncached answer %q (%v), want visits 99", strs(got), err)
		}
	})
}

// TestSQLQueryMySQL runs the enrichment against a real MariaDB through the mysql driver.
func TestSQLQueryMySQL(t *testing.T) {
	my := mysqltest.Require(t)
	if err := my.Exec("CREATE DATABASE crm", "CREATE USER 'reader'@'%' IDENTIFIED BY 's3cret'", "GRANT SELECT ON crm.* TO 'reader'@'%'",
		"CREATE TABLE crm.users (user_id VARCHAR(10), client VARCHAR(10), full_name VARCHAR(30), visits INT)",
		"INSERT INTO crm.users VALUES ('u1', 'shop', 'Ann', 3), ('u2', 'shop', 'Bob', 7)"); err != nil {
		t.Fatal(err)
	}
	db := map[string]any{"mysql": map[string]any{"host": my.Host, "port": my.Port, "sslMode": false, "username": "reader", "password": "s3cret", "database": "crm"}}
	byUser := []any{
		map[string]any{"placeholder": 1, "pojo": map[string]any{"field": "user_id"}},
		map[string]any{"placeholder": 2, "pojo": map[string]any{"field": "app_id"}},
	}
	en := sqlConfigFor(t, db, "SELECT full_name, visits FROM users WHERE user_id = ? AND client = ?", "EXACTLY_ONE", "ALL_ROWS", byUser)
	ctxs, err := en.Enrich(context.Background(), newEvent(t, map[string]string{"user_id": "u2", "app_id": "shop"}), nil)
	if want := `{"schema":"iglu:com.acme/user/jsonschema/1-0-0","data":{"fullName":"Bob","visits":7}}`; err != nil || strings.Join(strs(ctxs), "") != want {
		t.Errorf("got %q (%v), want %s", strs(ctxs), err, want)
	}
	every := sqlConfigFor(t, db, "SELECT full_name FROM users WHERE client = ? ORDER BY user_id", "AT_LEAST_ONE", "EVERY_ROW",
		[]any{map[string]any{"placeholder": 1, "pojo": map[string]any{"field": "app_id"}}})
	ctxs, err = every.Enrich(context.Background(), newEvent(t, map[string]string{"app_id": "shop"}), nil)
	if err != nil || len(ctxs) != 2 || !strings.Contains(string(ctxs[1]), `"fullName":"Bob"`) {
		t.Errorf("every row: %q (%v)", strs(ctxs), err)
	}
}

// A MySQL config builds a DSN for the mysql driver; nothing connects before the first event.
func TestSQLDSN(t *testing.T) {
	port := json.Number("3306")
	host, user, pass, db := "db.example", "ro", "p@ss", "crm"
	d := &sqlDatabase{Host: &host, Port: &port, Username: &user, Password: &pass, Database: &db}
	driver, dsn, err := sqlDSN(nil, d)
	if err != nil || driver != "mysql" || dsn != "ro:p@ss@tcp(db.example:3306)/crm" {
		t.Errorf("mysql: %s %s %v", driver, dsn, err)
	}
	d.SSLMode = true
	driver, dsn, err = sqlDSN(d, nil)
	if err != nil || driver != "pgx" || dsn != "postgres://ro:p%40ss@db.example:3306/crm?sslmode=require" {
		t.Errorf("postgresql: %s %s %v", driver, dsn, err)
	}
}
