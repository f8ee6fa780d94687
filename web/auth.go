package web

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"
)

// CredentialsFile is the file in the data directory that holds user password hashes, in
// htpasswd form (name:bcrypt-hash per line).
const CredentialsFile = "htpasswd"

// BasicAuth checks HTTP basic credentials against bcrypt hashes. Successful checks are
// remembered (as a digest of the credentials), so bcrypt runs once per credential pair,
// not once per request.
type BasicAuth struct {
	users    map[string][]byte // name → bcrypt hash
	verified sync.Map          // sha256(name, password) → struct{}
}

// dummyHash keeps the time of a check for an unknown user close to that of a known one.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("plowbox"), bcrypt.MinCost)

// Check reports whether name and password are valid credentials.
func (a *BasicAuth) Check(name, password string) bool {
	digest := sha256.Sum256([]byte(name + "\x00" + password))
	if _, ok := a.verified.Load(digest); ok {
		return true
	}
	hash, known := a.users[name]
	if !known {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return false
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil {
		return false
	}
	a.verified.Store(digest, struct{}{})
	return true
}

// middleware answers 401 unless the request carries valid basic credentials.
func (a *BasicAuth) middleware(c *gin.Context) {
	name, password, ok := c.Request.BasicAuth()
	if ok && a.Check(name, password) {
		c.Next()
		return
	}
	c.Header("WWW-Authenticate", `Basic realm="plowbox", charset="UTF-8"`)
	c.AbortWithStatusJSON(http.StatusUnauthorized, "Authentication required: use basic auth with a plowbox user (see the password printed at first start, or set --user/--password), or run with --auth none")
}

// NewBasicAuth returns a BasicAuth for a single user with a plain password.
func NewBasicAuth(name, password string) (*BasicAuth, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return &BasicAuth{users: map[string][]byte{name: hash}}, nil
}

// LoadCredentials reads the credentials file in dataDir. When it does not exist, it
// creates one for user name with a random password, which it returns as generated so the
// caller can show it once; generated is "" when the file already existed.
func LoadCredentials(dataDir, name string) (auth *BasicAuth, generated string, err error) {
	path := filepath.Join(dataDir, CredentialsFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createCredentials(path, name)
	}
	if err != nil {
		return nil, "", fmt.Errorf("open credentials: %w", err)
	}
	defer f.Close()
	auth = &BasicAuth{users: map[string][]byte{}}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		user, hash, ok := strings.Cut(text, ":")
		if !ok || user == "" || !strings.HasPrefix(hash, "$2") {
			return nil, "", fmt.Errorf("%s line %d: want name:bcrypt-hash", path, line)
		}
		auth.users[user] = []byte(hash)
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("read credentials: %w", err)
	}
	if len(auth.users) == 0 {
		return nil, "", fmt.Errorf("%s holds no user: delete it to have plowbox generate a password", path)
	}
	return auth, "", nil
}

func createCredentials(path, name string) (*BasicAuth, string, error) {
	secret := make([]byte, 18)
	if _, err := rand.Read(secret); err != nil {
		return nil, "", fmt.Errorf("generate password: %w", err)
	}
	password := base64.RawURLEncoding.EncodeToString(secret)
	auth, err := NewBasicAuth(name, password)
	if err != nil {
		return nil, "", err
	}
	line := name + ":" + string(auth.users[name]) + "\n"
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		return nil, "", fmt.Errorf("write credentials: %w", err)
	}
	return auth, password, nil
}
