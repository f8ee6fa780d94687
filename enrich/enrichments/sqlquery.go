package enrichments

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// sqlQueryTimeout bounds one query of the SQL query enrichment.
const sqlQueryTimeout = 10 * time.Second

// sqlQuery is the sql_query_enrichment_config enrichment: it runs the configured
// prepared statement against the user's PostgreSQL or MySQL database with values taken
// from the event in its `?` placeholders, and attaches the rows as derived contexts
// (https://docs.snowplow.io/docs/pipeline/enrichments/available-enrichments/custom-sql-enrichment/).
type sqlQuery struct {
	base
	db            *sql.DB
	query         string    // with the driver's placeholders
	inputs        [][]input // by placeholder number - 1
	expectedRows  string    // AT_LEAST_ONE, AT_LEAST_ZERO, AT_MOST_ONE or EXACTLY_ONE
	schema        string    // of the contexts
	everyRow      bool      // describes EVERY_ROW rather than ALL_ROWS
	names         func(string) string
	cache         *lookupCache[[]json.RawMessage]
	ignoreOnError bool
}

// sqlDatabase is the connection part of a database parameter.
type sqlDatabase struct {
	Host     *string      `json:"host"`
	Port     *json.Number `json:"port"`
	SSLMode  bool         `json:"sslMode"`
	Username *string      `json:"username"`
	Password *string      `json:"password"`
	Database *string      `json:"database"`
}

// sqlQueryParams are the parameters of sql_query_enrichment_config 1-0-*.
type sqlQueryParams struct {
	Inputs   *[]inputParams `json:"inputs"`
	Database *struct {
		PostgreSQL *sqlDatabase `json:"postgresql"`
		MySQL      *sqlDatabase `json:"mysql"`
	} `json:"database"`
	Query *struct {
		SQL *string `json:"sql"`
	} `json:"query"`
	Output *struct {
		ExpectedRows *string `json:"expectedRows"`
		JSON         *struct {
			Schema        *string `json:"schema"`
			Describes     *string `json:"describes"`
			PropertyNames *string `json:"propertyNames"`
		} `json:"json"`
	} `json:"output"`
	Cache         *cacheParams `json:"cache"`
	IgnoreOnError bool         `json:"ignoreOnError"`
}

// propertyNames are the column-name conversions of output.json.propertyNames.
var propertyNames = map[string]func(string) string{
	"AS_IS":       func(s string) string { return s },
	"CAMEL_CASE":  func(s string) string { return joinWords(nameWords(s), false) },
	"PASCAL_CASE": func(s string) string { return joinWords(nameWords(s), true) },
	"SNAKE_CASE":  func(s string) string { return strings.Join(nameWords(s), "_") },
	"LOWER_CASE":  strings.ToLower,
	"UPPER_CASE":  strings.ToUpper,
}

// buildSQLQuery checks a sql_query_enrichment_config config. The database is connected
// to on first use, so a database that is down at start fails events, not the start.
func buildSQLQuery(_ *builder, c *config) (enrich.Enrichment, error) {
	var p sqlQueryParams
	if err := c.params(&p); err != nil {
		return nil, err
	}
	switch {
	case p.Inputs == nil:
		return nil, fieldErr("inputs", "is required")
	case p.Database == nil || (p.Database.PostgreSQL == nil) == (p.Database.MySQL == nil):
		return nil, fieldErr("database", "must have exactly one of postgresql and mysql")
	case p.Query == nil || p.Query.SQL == nil || strings.TrimSpace(*p.Query.SQL) == "":
		return nil, fieldErr("query.sql", "is required")
	case p.Output == nil || p.Output.JSON == nil:
		return nil, fieldErr("output.json", "is required")
	}
	sq := &sqlQuery{base: newBase(c, 22), ignoreOnError: p.IgnoreOnError}
	o := p.Output
	if o.ExpectedRows == nil || !slices.Contains([]string{"AT_LEAST_ONE", "AT_LEAST_ZERO", "AT_MOST_ONE", "EXACTLY_ONE"}, *o.ExpectedRows) {
		return nil, fieldErr("output.expectedRows", "must be AT_LEAST_ONE, AT_LEAST_ZERO, AT_MOST_ONE or EXACTLY_ONE")
	}
	sq.expectedRows = *o.ExpectedRows
	if o.JSON.Schema == nil || !strings.HasPrefix(*o.JSON.Schema, "iglu:") {
		return nil, fieldErr("output.json.schema", "must be an Iglu URI")
	}
	sq.schema = *o.JSON.Schema
	if o.JSON.Describes == nil || (*o.JSON.Describes != "ALL_ROWS" && *o.JSON.Describes != "EVERY_ROW") {
		return nil, fieldErr("output.json.describes", "must be ALL_ROWS or EVERY_ROW")
	}
	sq.everyRow = *o.JSON.Describes == "EVERY_ROW"
	if o.JSON.PropertyNames == nil || propertyNames[*o.JSON.PropertyNames] == nil {
		return nil, fieldErr("output.json.propertyNames", "must be AS_IS, CAMEL_CASE, PASCAL_CASE, SNAKE_CASE, LOWER_CASE or UPPER_CASE")
	}
	sq.names = propertyNames[*o.JSON.PropertyNames]
	for i, ip := range *p.Inputs {
		at := fmt.Sprintf("inputs[%d]", i)
		n, err := placeholderNumber(ip.Placeholder)
		if err != nil {
			return nil, fieldErr(at+".placeholder", "%v", err)
		}
		in, err := parseInput(at, ip)
		if err != nil {
			return nil, err
		}
		for len(sq.inputs) < n {
			sq.inputs = append(sq.inputs, nil)
		}
		sq.inputs[n-1] = append(sq.inputs[n-1], in)
	}
	postgres := p.Database.PostgreSQL != nil
	query, count := rewritePlaceholders(*p.Query.SQL, postgres)
	if count != len(sq.inputs) {
		return nil, fieldErr("query.sql", "has %d ? placeholders but the inputs fill %d", count, len(sq.inputs))
	}
	for i, ins := range sq.inputs {
		if len(ins) == 0 {
			return nil, fieldErr("inputs", "no input fills placeholder %d", i+1)
		}
	}
	sq.query = query
	driver, dsn, err := sqlDSN(p.Database.PostgreSQL, p.Database.MySQL)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fieldErr("database", "%v", err)
	}
	sq.db = db
	cache, err := buildCache[[]json.RawMessage](p.Cache)
	if err != nil {
		db.Close()
		return nil, err
	}
	sq.cache = cache
	return sq, nil
}

// placeholderNumber checks an input's placeholder: 1 to 64.
func placeholderNumber(p *json.Number) (int, error) {
	if p == nil {
		return 0, fmt.Errorf("is required")
	}
	n, err := strconv.Atoi(p.String())
	if err != nil || n < 1 || n > 64 {
		return 0, fmt.Errorf("must be a whole number from 1 to 64, not %s", p)
	}
	return n, nil
}

// sqlDSN builds the driver name and connection string of the database parameter.
func sqlDSN(pg, my *sqlDatabase) (driver, dsn string, err error) {
	d, name := pg, "postgresql"
	if my != nil {
		d, name = my, "mysql"
	}
	at := "database." + name
	switch {
	case d.Host == nil || *d.Host == "":
		return "", "", fieldErr(at+".host", "is required")
	case d.Port == nil:
		return "", "", fieldErr(at+".port", "is required")
	case d.Username == nil:
		return "", "", fieldErr(at+".username", "is required")
	case d.Password == nil:
		return "", "", fieldErr(at+".password", "is required")
	case d.Database == nil || *d.Database == "":
		return "", "", fieldErr(at+".database", "is required")
	}
	port, err := strconv.Atoi(d.Port.String())
	if err != nil || port < 1 || port > 65535 {
		return "", "", fieldErr(at+".port", "must be a port number, not %s", d.Port)
	}
	addr := net.JoinHostPort(*d.Host, strconv.Itoa(port))
	if my != nil {
		cfg := mysql.NewConfig()
		cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = *d.Username, *d.Password, "tcp", addr, *d.Database
		if d.SSLMode {
			cfg.TLSConfig = "true"
		}
		return "mysql", cfg.FormatDSN(), nil
	}
	ssl := "disable"
	if d.SSLMode {
		ssl = "require"
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(*d.Username, *d.Password), Host: addr, Path: "/" + *d.Database,
		RawQuery: url.Values{"sslmode": {ssl}}.Encode()}
	return "pgx", u.String(), nil
}

// rewritePlaceholders counts the `?` placeholders of a query outside quoted strings and
// identifiers and, for PostgreSQL, numbers them $1, $2, ….
func rewritePlaceholders(q string, postgres bool) (string, int) {
	var b strings.Builder
	n := 0
	var quote rune
	for _, r := range q {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"' || r == '`':
			quote = r
		case r == '?':
			n++
			if postgres {
				b.WriteString("$" + strconv.Itoa(n))
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String(), n
}

// Close implements io.Closer: it closes the database connections.
func (sq *sqlQuery) Close() error { return sq.db.Close() }

// Enrich implements enrich.Enrichment. When a placeholder has no value in the event, the
// query is not run and no context is added.
func (sq *sqlQuery) Enrich(ctx context.Context, e *event.Event, in *enrich.Input) ([]json.RawMessage, error) {
	args := make([]any, len(sq.inputs))
	keys := make([]string, len(sq.inputs))
	for i, ins := range sq.inputs {
		found := false
		for _, inp := range ins {
			if v, ok := inp.value(e, in); ok {
				args[i], keys[i], found = sqlArg(v), valueString(v), true
				break
			}
		}
		if !found {
			return nil, nil
		}
	}
	key, _ := marshalJSON(keys)
	if ctxs, ok := sq.cache.get(string(key)); ok {
		return ctxs, nil
	}
	ctxs, err := sq.run(ctx, args)
	if err != nil {
		if sq.ignoreOnError {
			return nil, nil
		}
		return nil, err
	}
	sq.cache.put(string(key), ctxs)
	return ctxs, nil
}

// sqlArg converts an input value for binding: JSON numbers become integers or floats,
// objects and arrays their JSON text.
func sqlArg(v any) any {
	switch x := v.(type) {
	case string, bool:
		return x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	}
	return valueString(v)
}

// run queries the database and renders the rows as contexts.
func (sq *sqlQuery) run(ctx context.Context, args []any) ([]json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, sqlQueryTimeout)
	defer cancel()
	rows, err := sq.db.QueryContext(ctx, sq.query, args...)
	if err != nil {
		return nil, fmt.Errorf("SQL query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("SQL query: columns: %w", err)
	}
	var objs [][]byte
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("SQL query: read row: %w", err)
		}
		obj := []byte{'{'}
		for i, col := range cols {
			if i > 0 {
				obj = append(obj, ',')
			}
			obj = event.AppendJSONString(obj, sq.names(col))
			obj = append(obj, ':')
			vb, err := marshalJSON(sqlValue(vals[i]))
			if err != nil {
				return nil, fmt.Errorf("SQL query: column %s: %w", col, err)
			}
			obj = append(obj, vb...)
		}
		objs = append(objs, append(obj, '}'))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("SQL query: %w", err)
	}
	n := len(objs)
	switch {
	case sq.expectedRows == "EXACTLY_ONE" && n != 1,
		sq.expectedRows == "AT_MOST_ONE" && n > 1,
		sq.expectedRows == "AT_LEAST_ONE" && n == 0:
		return nil, fmt.Errorf("SQL query returned %d rows, expected %s", n, strings.ToLower(strings.ReplaceAll(sq.expectedRows, "_", " ")))
	case n == 0:
		return nil, nil
	}
	if sq.everyRow {
		out := make([]json.RawMessage, n)
		for i, o := range objs {
			out[i] = selfDescribing(sq.schema, o)
		}
		return out, nil
	}
	if sq.expectedRows == "EXACTLY_ONE" || sq.expectedRows == "AT_MOST_ONE" {
		return []json.RawMessage{selfDescribing(sq.schema, objs[0])}, nil
	}
	all := []byte{'['}
	for i, o := range objs {
		if i > 0 {
			all = append(all, ',')
		}
		all = append(all, o...)
	}
	return []json.RawMessage{selfDescribing(sq.schema, append(all, ']'))}, nil
}

// sqlValue converts a column value for JSON: bytes become text, times RFC 3339.
func sqlValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// nameWords splits a column name into lower-case words at underscores, spaces, dashes
// and lower-to-upper case changes: "service_name" and "serviceName" are both
// [service name].
func nameWords(s string) []string {
	var words []string
	var cur []rune
	prevLower := false
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case r == '_' || r == ' ' || r == '-':
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	flush()
	return words
}

// joinWords joins words in camel case, the first word capitalised too when pascal.
func joinWords(words []string, pascal bool) string {
	var b strings.Builder
	for i, w := range words {
		if i == 0 && !pascal {
			b.WriteString(w)
			continue
		}
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}
