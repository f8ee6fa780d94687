package users

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// An htpasswd body becomes admins; existing names and broken lines are handled.
func TestUsersMigrate(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("old-secret"), bcrypt.MinCost)
	cases := []struct {
		name, body string
		added      int
		err        string
	}{
		{"two users", "# comment\nann:" + string(hash) + "\n\nbob:" + string(hash) + "\n", 2, ""},
		{"existing name kept", "root:" + string(hash) + "\n", 0, ""},
		{"not bcrypt", "eve:plain\n", 0, "line 1: want name:bcrypt-hash"},
		{"no colon", "eve\n", 0, "line 1: want name:bcrypt-hash"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := NewUsers(NewMemorySettings())
			if err := u.Add("root", "root-password", RoleViewer); err != nil {
				t.Fatal(err)
			}
			n, err := u.Migrate([]byte(tc.body))
			if n != tc.added || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("Migrate = %d %v, want %d %q", n, err, tc.added, tc.err)
			}
			if tc.added > 0 {
				if usr, ok := u.Authenticate("ann", "old-secret"); !ok || usr.Role != RoleAdmin {
					t.Errorf("migrated user: %+v %v", usr, ok)
				}
			}
			if usr, ok := u.Authenticate("root", "root-password"); !ok || usr.Role != RoleViewer {
				t.Errorf("existing user changed: %+v %v", usr, ok)
			}
		})
	}
}

// Changing a password or deleting a user ends their sessions; the last admin stays.
func TestUsersSessionsAndLastAdmin(t *testing.T) {
	u := NewUsers(NewMemorySettings())
	for _, add := range []struct {
		name string
		role Role
	}{{"root", RoleAdmin}, {"vera", RoleViewer}} {
		if err := u.Add(add.name, "pw-"+add.name, add.role); err != nil {
			t.Fatal(err)
		}
	}
	id, csrf, err := u.NewSession("vera")
	if err != nil || csrf == "" {
		t.Fatal(err)
	}
	if usr, got, ok := u.Session(id); !ok || usr.Name != "vera" || got != csrf {
		t.Fatalf("session: %+v %q %v", usr, got, ok)
	}
	if err := u.SetPassword("vera", "new-password"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := u.Session(id); ok {
		t.Errorf("session survived a password change")
	}
	if _, ok := u.Authenticate("vera", "pw-vera"); ok {
		t.Errorf("old password still works")
	}
	if err := u.SetRole("root", RoleViewer); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demoting the last admin: %v", err)
	}
	if err := u.Delete("root"); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("deleting the last admin: %v", err)
	}
	if err := u.Add("vera", "x", RoleViewer); !errors.Is(err, ErrUserExists) {
		t.Errorf("adding twice: %v", err)
	}
	if err := u.Add("a b", "x", RoleViewer); !errors.Is(err, ErrBadUserName) {
		t.Errorf("bad name: %v", err)
	}
	secret, tok, err := u.CreateToken("vera", "ci")
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Delete("vera"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := u.TokenUser(secret); ok {
		t.Errorf("token %s survived its user", tok.ID)
	}
}

// strongPassword passes the password policy.
const strongPassword = "Tr0ub4dor&3-horse-staple-42"

// The password policy is Mini's: 8 characters and a zxcvbn score of 4.
func TestCheckPassword(t *testing.T) {
	for pw, want := range map[string]string{
		"short":            "weak password: length can not be shorter than 8 characters",
		"password":         "weak password: strength score is 0 but must be 4 at least",
		"Summer2024":       "weak password: strength score is",
		strongPassword:     "",
		GeneratePassword(): "",
	} {
		err := CheckPassword(pw)
		if (err == nil) != (want == "") || (err != nil && !strings.HasPrefix(err.Error(), want)) {
			t.Errorf("CheckPassword(%q) = %v, want %q", pw, err, want)
		}
	}
}
