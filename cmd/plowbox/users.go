package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/plowbox/plowbox/internal/options"
	userstore "github.com/plowbox/plowbox/internal/users"
	"github.com/plowbox/plowbox/store"
	"github.com/plowbox/plowbox/web/auth"
)

// setupUsers opens plowbox's users (kept in the store's settings) and, under --auth
// basic, returns the authenticator. At start it migrates the users of an htpasswd file
// left by an earlier plowbox as admins, applies --user/--password, and when there is no
// user at all generates a password for --user, printed once.
func setupUsers(cfg serveConfig, st *store.Store, log *slog.Logger, stderr io.Writer) (*userstore.Users, *auth.Auth, error) {
	users := userstore.NewUsers(st)
	if cfg.auth != "basic" {
		return users, nil, nil
	}
	htpasswd := filepath.Join(cfg.data, userstore.CredentialsFile)
	if b, err := os.ReadFile(htpasswd); err == nil {
		n, err := users.Migrate(b)
		if err != nil {
			return nil, nil, fmt.Errorf("migrate %s: %w", htpasswd, err)
		}
		if err := os.Rename(htpasswd, htpasswd+".migrated"); err != nil {
			return nil, nil, fmt.Errorf("migrate %s: %w", htpasswd, err)
		}
		log.Info("users migrated from htpasswd as admins", "file", htpasswd, "count", n)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("read %s: %w", htpasswd, err)
	}
	if cfg.password != "" {
		if usr, ok := users.Authenticate(cfg.user, cfg.password); !ok || usr.Role != userstore.RoleAdmin {
			if err := users.Upsert(cfg.user, cfg.password, userstore.RoleAdmin); err != nil {
				return nil, nil, fmt.Errorf("--user %s: %w", cfg.user, err)
			}
		}
		return users, auth.NewAuth(users, log), nil
	}
	n, err := users.Count()
	if err != nil {
		return nil, nil, fmt.Errorf("users: %w", err)
	}
	if n == 0 {
		password := userstore.GeneratePassword()
		if err := users.Add(cfg.user, password, userstore.RoleAdmin); err != nil {
			return nil, nil, fmt.Errorf("--user %s: %w", cfg.user, err)
		}
		fmt.Fprintf(stderr, "\nplowbox generated a password for user %q: %s\n"+
			"It is shown only this once; only its hash is kept, in %s.\n"+
			"Set --password (PLOWBOX_PASSWORD) to choose one, manage users with plowbox users or at %s/admin, "+
			"or run with --auth none on a laptop or in CI.\n\n",
			cfg.user, password, cfg.data, "/micro/ui")
	}
	return users, auth.NewAuth(users, log), nil
}

const usersUsage = `Usage:
  plowbox users list                      list users and their roles
  plowbox users add NAME [--role viewer]  add a user; the password is read from stdin (one line) or generated
  plowbox users passwd NAME               set a password, read from stdin (one line) or generated
  plowbox users role NAME admin|viewer    change a role
  plowbox users delete NAME               delete a user with its tokens and sessions
  plowbox users token NAME [LABEL]        create an API token, printed once
  plowbox users tokens                    list API tokens
  plowbox users revoke ID                 revoke an API token

Flags: --data DIR (default ./plowbox-data, or PLOWBOX_DATA). The store must not be in use
by a running plowbox serve: use the admin pages or /plowbox/api/users there.
`

// usersCommand runs plowbox users: user management on a data directory.
func usersCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("plowbox users", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usersUsage) }
	data := "./plowbox-data"
	if v, ok := lookupEnv("PLOWBOX_DATA"); ok && v != "" {
		data = v
	}
	fs.StringVar(&data, "data", data, "data directory")
	role := fs.String("role", "viewer", "role of a new user: admin or viewer")
	// Flags may come after the verb and its arguments.
	var pos []string
	rest := args
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return options.ErrUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(pos) == 0 {
		fmt.Fprint(stderr, usersUsage)
		return options.ErrUsage
	}
	st, err := store.Open(data, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	users := userstore.NewUsers(st)
	need := func(n int) error {
		if len(pos) < n+1 {
			fmt.Fprint(stderr, usersUsage)
			return options.ErrUsage
		}
		return nil
	}
	switch pos[0] {
	case "list":
		list, err := users.List()
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tROLE\tCREATED")
		for _, u := range list {
			fmt.Fprintf(w, "%s\t%s\t%s\n", u.Name, u.Role, u.Created.Format("2006-01-02 15:04"))
		}
		return w.Flush()
	case "add", "passwd":
		if err := need(1); err != nil {
			return err
		}
		password, generated, err := readPassword(stdin)
		if err != nil {
			return err
		}
		if pos[0] == "add" {
			r, err := userstore.ParseRole(*role)
			if err != nil {
				return err
			}
			err = users.Add(pos[1], password, r)
		} else {
			err = users.SetPassword(pos[1], password)
		}
		if err != nil {
			return err
		}
		if generated {
			fmt.Fprintf(stdout, "password for %s: %s\n", pos[1], password)
		}
		return nil
	case "role":
		if err := need(2); err != nil {
			return err
		}
		r, err := userstore.ParseRole(pos[2])
		if err != nil {
			return err
		}
		return users.SetRole(pos[1], r)
	case "delete":
		if err := need(1); err != nil {
			return err
		}
		return users.Delete(pos[1])
	case "token":
		if err := need(1); err != nil {
			return err
		}
		label := ""
		if len(pos) > 2 {
			label = pos[2]
		}
		secret, t, err := users.CreateToken(pos[1], label)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %s for %s (shown only once): %s\n", t.ID, t.User, secret)
		return nil
	case "tokens":
		list, err := users.Tokens("")
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tUSER\tLABEL\tCREATED")
		for _, t := range list {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.ID, t.User, t.Label, t.Created.Format("2006-01-02 15:04"))
		}
		return w.Flush()
	case "revoke":
		if err := need(1); err != nil {
			return err
		}
		return users.RevokeToken(pos[1], "")
	}
	fmt.Fprintf(stderr, "plowbox users: unknown verb %q\n\n%s", pos[0], usersUsage)
	return options.ErrUsage
}

// readPassword reads one line from stdin when it is not a terminal; an empty input
// means a generated password. A password typed by the operator must pass the policy.
func readPassword(stdin io.Reader) (password string, generated bool, err error) {
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return userstore.GeneratePassword(), true, nil
		}
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return "", false, fmt.Errorf("read password: %w", err)
	}
	line := string(b)
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	if line == "" {
		return userstore.GeneratePassword(), true, nil
	}
	if err := userstore.CheckPassword(line); err != nil {
		return "", false, err
	}
	return line, false, nil
}
