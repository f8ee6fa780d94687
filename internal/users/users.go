// Package users keeps plowbox's users, API tokens and browser sessions in the store's
// settings: bcrypt password hashes, hashed token secrets and session ids. It knows nothing
// of HTTP.
package users

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/crypto/bcrypt"

	"github.com/plowbox/plowbox/store"
)

// Role is what a user may do: admins everything, viewers read.
type Role string

// Roles.
const (
	RoleAdmin  Role = "admin"
	RoleViewer Role = "viewer"
)

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	switch Role(s) {
	case RoleAdmin, RoleViewer:
		return Role(s), nil
	}
	return "", fmt.Errorf("%w %q: want admin or viewer", ErrBadRole, s)
}

// User is one plowbox user.
type User struct {
	Name    string    `json:"name"`
	Role    Role      `json:"role"`
	Hash    string    `json:"hash,omitempty"` // bcrypt hash of the password
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Token is a bearer API token of a user; only a hash of the secret is kept.
type Token struct {
	ID       string    `json:"id"`   // public identifier, shown in lists and used to revoke
	User     string    `json:"user"` // owner
	Label    string    `json:"label"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"lastUsed,omitzero"`
}

// session is a signed-in browser: the cookie holds its id, the store a hash of it.
type session struct {
	User    string    `json:"user"`
	CSRF    string    `json:"csrf"`
	Expires time.Time `json:"expires"`
}

// SettingsStore is where users, tokens and sessions are kept; *store.Store implements it.
type SettingsStore interface {
	ViewSettings(fn func(store.SettingsTx) error) error
	UpdateSettings(fn func(store.SettingsTx) error) error
}

// Errors of user management, for 4xx answers.
var (
	ErrUserExists   = errors.New("user already exists")
	ErrNoUser       = errors.New("no such user")
	ErrNoToken      = errors.New("no such token")
	ErrLastAdmin    = errors.New("the last admin cannot be deleted or demoted")
	ErrBadUserName  = errors.New("user name must be 1 to 64 letters, digits, '.', '_', '@' or '-'")
	ErrWeakPassword = errors.New("weak password")
	ErrBadRole      = errors.New("unknown role")
)

// Settings key prefixes.
const (
	keyUser    = "user/"
	keyToken   = "token/"   // + hex sha256 of the token
	keySession = "session/" // + hex sha256 of the session id
)

// CredentialsFile is the htpasswd file (name:bcrypt-hash per line) in which earlier
// plowbox versions kept their users; Migrate moves its users to the store as admins.
const CredentialsFile = "htpasswd"

// TokenPrefix starts every plowbox API token.
const TokenPrefix = "pbx_"

// SessionTTL is how long a login lasts.
const SessionTTL = 7 * 24 * time.Hour

// bcryptCost is the cost of password hashes.
const bcryptCost = bcrypt.DefaultCost

var userNameRe = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// Users manages plowbox's users, API tokens and login sessions in the store's settings.
// It is safe for concurrent use.
type Users struct {
	st       SettingsStore
	now      func() time.Time
	verified sync.Map // sha256(name, password, hash) → struct{}: bcrypt runs once per pair
}

// NewUsers returns the user manager over st.
func NewUsers(st SettingsStore) *Users {
	return &Users{st: st, now: time.Now}
}

// CheckPassword applies the password policy of Snowplow Mini's credentials verb: at
// least 8 characters and a zxcvbn score of 4. The error text is Mini's.
func CheckPassword(password string) error {
	if len(password) < 8 {
		return fmt.Errorf("%w: length can not be shorter than 8 characters", ErrWeakPassword)
	}
	if score := zxcvbn.PasswordStrength(password, nil).Score; score < 4 {
		return fmt.Errorf("%w: strength score is %d but must be 4 at least", ErrWeakPassword, score)
	}
	return nil
}

// GeneratePassword returns a random password that passes CheckPassword.
func GeneratePassword() string { return randomString(18) }

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func getJSON[T any](tx store.SettingsTx, key string) (T, bool, error) {
	var v T
	b := tx.Get(key)
	if b == nil {
		return v, false, nil
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, false, fmt.Errorf("settings %s: %w", key, err)
	}
	return v, true, nil
}

func putJSON(tx store.SettingsTx, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return tx.Put(key, b)
}

// Count returns the number of users.
func (u *Users) Count() (int, error) {
	n := 0
	err := u.st.ViewSettings(func(tx store.SettingsTx) error {
		return tx.List(keyUser, func(string, []byte) error { n++; return nil })
	})
	return n, err
}

// List returns every user, by name, without password hashes.
func (u *Users) List() ([]User, error) {
	var out []User
	err := u.st.ViewSettings(func(tx store.SettingsTx) error {
		return tx.List(keyUser, func(k string, v []byte) error {
			var usr User
			if err := json.Unmarshal(v, &usr); err != nil {
				return fmt.Errorf("settings %s: %w", k, err)
			}
			usr.Hash = ""
			out = append(out, usr)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// Get returns the user called name.
func (u *Users) Get(name string) (User, bool, error) {
	var usr User
	var ok bool
	err := u.st.ViewSettings(func(tx store.SettingsTx) (err error) {
		usr, ok, err = getJSON[User](tx, keyUser+name)
		return err
	})
	return usr, ok, err
}

// Add creates a user. The password is not checked against the policy here: callers
// facing the network call CheckPassword first.
func (u *Users) Add(name, password string, role Role) error {
	if !userNameRe.MatchString(name) {
		return ErrBadUserName
	}
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return u.addHash(name, string(hash), role)
}

// addHash creates a user with an existing bcrypt hash (htpasswd migration).
func (u *Users) addHash(name, hash string, role Role) error {
	now := u.now().UTC()
	return u.st.UpdateSettings(func(tx store.SettingsTx) error {
		if tx.Get(keyUser+name) != nil {
			return fmt.Errorf("%w: %s", ErrUserExists, name)
		}
		return putJSON(tx, keyUser+name, User{Name: name, Role: role, Hash: hash, Created: now, Updated: now})
	})
}

// Upsert creates the user or, when it exists, sets its password and role.
func (u *Users) Upsert(name, password string, role Role) error {
	if !userNameRe.MatchString(name) {
		return ErrBadUserName
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	now := u.now().UTC()
	return u.st.UpdateSettings(func(tx store.SettingsTx) error {
		usr, ok, err := getJSON[User](tx, keyUser+name)
		if err != nil {
			return err
		}
		if !ok {
			usr = User{Name: name, Created: now}
		} else if usr.Role == RoleAdmin && role != RoleAdmin {
			if err := u.keepAnAdmin(tx, name); err != nil {
				return err
			}
		}
		usr.Role, usr.Hash, usr.Updated = role, string(hash), now
		if err := putJSON(tx, keyUser+name, usr); err != nil {
			return err
		}
		if ok {
			return deleteSessions(tx, name)
		}
		return nil
	})
}

// SetPassword changes a user's password and signs out its browser sessions.
func (u *Users) SetPassword(name, password string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return u.modify(name, func(tx store.SettingsTx, usr *User) error {
		usr.Hash = string(hash)
		return deleteSessions(tx, name)
	})
}

// SetRole changes a user's role; the last admin cannot be demoted.
func (u *Users) SetRole(name string, role Role) error {
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	return u.modify(name, func(tx store.SettingsTx, usr *User) error {
		if usr.Role == RoleAdmin && role != RoleAdmin {
			if err := u.keepAnAdmin(tx, name); err != nil {
				return err
			}
		}
		usr.Role = role
		return nil
	})
}

func (u *Users) modify(name string, fn func(store.SettingsTx, *User) error) error {
	return u.st.UpdateSettings(func(tx store.SettingsTx) error {
		usr, ok, err := getJSON[User](tx, keyUser+name)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: %s", ErrNoUser, name)
		}
		if err := fn(tx, &usr); err != nil {
			return err
		}
		usr.Updated = u.now().UTC()
		return putJSON(tx, keyUser+name, usr)
	})
}

// keepAnAdmin fails unless some admin other than name exists.
func (u *Users) keepAnAdmin(tx store.SettingsTx, name string) error {
	others := 0
	err := tx.List(keyUser, func(k string, v []byte) error {
		var usr User
		if json.Unmarshal(v, &usr) == nil && usr.Role == RoleAdmin && usr.Name != name {
			others++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if others == 0 {
		return ErrLastAdmin
	}
	return nil
}

// Delete removes a user with its tokens and sessions; the last admin cannot be deleted.
func (u *Users) Delete(name string) error {
	return u.st.UpdateSettings(func(tx store.SettingsTx) error {
		usr, ok, err := getJSON[User](tx, keyUser+name)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: %s", ErrNoUser, name)
		}
		if usr.Role == RoleAdmin {
			if err := u.keepAnAdmin(tx, name); err != nil {
				return err
			}
		}
		if err := tx.Delete(keyUser + name); err != nil {
			return err
		}
		if err := deleteWhere(tx, keyToken, func(v []byte) bool {
			var t Token
			return json.Unmarshal(v, &t) == nil && t.User == name
		}); err != nil {
			return err
		}
		return deleteSessions(tx, name)
	})
}

// deleteWhere deletes the keys under prefix whose value matches.
func deleteWhere(tx store.SettingsTx, prefix string, match func([]byte) bool) error {
	var doomed []string
	if err := tx.List(prefix, func(k string, v []byte) error {
		if match(v) {
			doomed = append(doomed, k)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range doomed {
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func deleteSessions(tx store.SettingsTx, name string) error {
	return deleteWhere(tx, keySession, func(v []byte) bool {
		var s session
		return json.Unmarshal(v, &s) == nil && s.User == name
	})
}

// Authenticate checks a user name and password and returns the user.
func (u *Users) Authenticate(name, password string) (User, bool) {
	usr, ok, err := u.Get(name)
	if err != nil || !ok {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return User{}, false
	}
	digest := sha256.Sum256([]byte(name + "\x00" + password + "\x00" + usr.Hash))
	if _, ok := u.verified.Load(digest); ok {
		return usr, true
	}
	if bcrypt.CompareHashAndPassword([]byte(usr.Hash), []byte(password)) != nil {
		return User{}, false
	}
	u.verified.Store(digest, struct{}{})
	return usr, true
}

// dummyHash keeps the time of a check for an unknown user close to that of a known one.
// It is made at the first such check, once per process, not at start: bcrypt takes a
// quarter of a second, which every plowbox command would wait for.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("plowbox"), bcryptCost)
	return h
})

// CreateToken makes a new API token for user and returns its secret, shown only once.
func (u *Users) CreateToken(user, label string) (secret string, t Token, err error) {
	if len(label) > 100 {
		return "", Token{}, errors.New("token label is longer than 100 characters")
	}
	secret = TokenPrefix + randomString(30)
	t = Token{ID: randomHex(6), User: user, Label: label, Created: u.now().UTC()}
	err = u.st.UpdateSettings(func(tx store.SettingsTx) error {
		if tx.Get(keyUser+user) == nil {
			return fmt.Errorf("%w: %s", ErrNoUser, user)
		}
		return putJSON(tx, keyToken+hashHex(secret), t)
	})
	if err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	return secret, t, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Tokens lists the tokens of user, or of every user when user is "".
func (u *Users) Tokens(user string) ([]Token, error) {
	var out []Token
	err := u.st.ViewSettings(func(tx store.SettingsTx) error {
		return tx.List(keyToken, func(k string, v []byte) error {
			var t Token
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("settings %s: %w", k, err)
			}
			if user == "" || t.User == user {
				out = append(out, t)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	slices.SortFunc(out, func(a, b Token) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// RevokeToken deletes the token with id; owner, when not "", must own it.
func (u *Users) RevokeToken(id, owner string) error {
	return u.st.UpdateSettings(func(tx store.SettingsTx) error {
		found := false
		err := deleteWhere(tx, keyToken, func(v []byte) bool {
			var t Token
			m := json.Unmarshal(v, &t) == nil && t.ID == id && (owner == "" || t.User == owner)
			found = found || m
			return m
		})
		if err == nil && !found {
			err = fmt.Errorf("%w: %s", ErrNoToken, id)
		}
		return err
	})
}

// TokenUser returns the user of an API token secret.
func (u *Users) TokenUser(secret string) (User, Token, bool) {
	var usr User
	var t Token
	var ok bool
	err := u.st.ViewSettings(func(tx store.SettingsTx) error {
		var err error
		t, ok, err = getJSON[Token](tx, keyToken+hashHex(secret))
		if err != nil || !ok {
			return err
		}
		usr, ok, err = getJSON[User](tx, keyUser+t.User)
		return err
	})
	if err != nil || !ok {
		return User{}, Token{}, false
	}
	return usr, t, true
}

// NewSession signs user in and returns the session id for the cookie and its CSRF token.
func (u *Users) NewSession(user string) (id, csrf string, err error) {
	id, csrf = randomString(32), randomString(24)
	now := u.now().UTC()
	err = u.st.UpdateSettings(func(tx store.SettingsTx) error {
		if err := deleteWhere(tx, keySession, func(v []byte) bool { // expired ones
			var s session
			return json.Unmarshal(v, &s) != nil || now.After(s.Expires)
		}); err != nil {
			return err
		}
		return putJSON(tx, keySession+hashHex(id), session{User: user, CSRF: csrf, Expires: now.Add(SessionTTL)})
	})
	if err != nil {
		return "", "", fmt.Errorf("create session: %w", err)
	}
	return id, csrf, nil
}

// Session returns the user and CSRF token of a live session id.
func (u *Users) Session(id string) (User, string, bool) {
	var usr User
	var s session
	var ok bool
	err := u.st.ViewSettings(func(tx store.SettingsTx) error {
		var err error
		s, ok, err = getJSON[session](tx, keySession+hashHex(id))
		if err != nil || !ok {
			return err
		}
		if u.now().After(s.Expires) {
			ok = false
			return nil
		}
		usr, ok, err = getJSON[User](tx, keyUser+s.User)
		return err
	})
	if err != nil || !ok {
		return User{}, "", false
	}
	return usr, s.CSRF, true
}

// EndSession signs a session out.
func (u *Users) EndSession(id string) error {
	return u.st.UpdateSettings(func(tx store.SettingsTx) error { return tx.Delete(keySession + hashHex(id)) })
}

// Migrate adds the users of an htpasswd file body (name:bcrypt-hash lines) as admins,
// skipping names that already exist, and returns how many it added.
func (u *Users) Migrate(htpasswd []byte) (int, error) {
	added := 0
	for i, line := range strings.Split(string(htpasswd), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		if !ok || name == "" || len(hash) < 4 || hash[:2] != "$2" {
			return added, fmt.Errorf("line %d: want name:bcrypt-hash", i+1)
		}
		err := u.addHash(name, hash, RoleAdmin)
		if errors.Is(err, ErrUserExists) {
			continue
		}
		if err != nil {
			return added, err
		}
		added++
	}
	return added, nil
}

// TouchToken records the last use of a token, at most once a minute per token.
func (u *Users) TouchToken(secret string, t Token) {
	now := u.now().UTC()
	if now.Sub(t.LastUsed) < time.Minute {
		return
	}
	_ = u.st.UpdateSettings(func(tx store.SettingsTx) error {
		cur, ok, err := getJSON[Token](tx, keyToken+hashHex(secret))
		if err != nil || !ok {
			return err
		}
		cur.LastUsed = now
		return putJSON(tx, keyToken+hashHex(secret), cur)
	})
}
