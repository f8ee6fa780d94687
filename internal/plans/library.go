package plans

import (
	"errors"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/plowbox/plowbox/store"
)

// storedPrefix keys the plan files uploaded through the API in the store's settings.
const storedPrefix = "plans/files/"

// Settings is where uploaded plan files are kept: the store's settings.
type Settings interface {
	ViewSettings(fn func(store.SettingsTx) error) error
	PutSetting(key string, value []byte) error
	UpdateSettings(fn func(store.SettingsTx) error) error
}

// Library is the set of plan files in use: those of the --tracking-plans directories,
// read at each reload, and those uploaded through the API, kept in the store. A change
// reloads the plans the Checker uses. It is safe for concurrent use.
type Library struct {
	dirs    []string
	st      Settings
	log     *slog.Logger
	checker *Checker

	mu   sync.Mutex
	errs []error // the files refused by the last load
}

// NewLibrary loads the plans of dirs and of st. Refused files are logged and listed by
// Errors; only a directory that cannot be read is an error.
func NewLibrary(dirs []string, st Settings, log *slog.Logger) (*Library, error) {
	if log == nil {
		log = slog.Default()
	}
	l := &Library{dirs: dirs, st: st, log: log, checker: NewChecker(nil)}
	if err := l.Reload(); err != nil {
		return nil, err
	}
	return l, nil
}

// Checker returns the checker that uses the library's plans.
func (l *Library) Checker() *Checker { return l.checker }

// Plans returns the plans in use.
func (l *Library) Plans() *Plans { return l.checker.Plans() }

// Errors returns the files refused by the last load.
func (l *Library) Errors() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.errs)
}

// files reads every plan file: the directories' and the stored ones.
func (l *Library) files() ([]File, error) {
	var all []File
	for _, d := range l.dirs {
		fs, err := ReadDir(d)
		if err != nil {
			return nil, err
		}
		all = append(all, fs...)
	}
	stored, err := l.Stored()
	if err != nil {
		return nil, err
	}
	return append(all, stored...), nil
}

// Stored returns the files uploaded through the API, by path.
func (l *Library) Stored() ([]File, error) {
	var out []File
	err := l.st.ViewSettings(func(tx store.SettingsTx) error {
		return tx.List(storedPrefix, func(key string, v []byte) error {
			out = append(out, File{Path: strings.TrimPrefix(key, storedPrefix), Body: slices.Clone(v)})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read stored tracking plans: %w", err)
	}
	return out, nil
}

// Reload reads every file again and puts the plans to use.
func (l *Library) Reload() error {
	files, err := l.files()
	if err != nil {
		return err
	}
	l.use(files)
	return nil
}

func (l *Library) use(files []File) {
	p, errs := Load(files, l.log)
	for _, e := range errs {
		l.log.Warn("tracking plan refused", "err", e)
	}
	l.checker.Set(p)
	l.mu.Lock()
	l.errs = errs
	l.mu.Unlock()
}

// CleanPath checks the path of an uploaded file: relative, slash-separated, without
// "..", ending in .yml, .yaml or .json.
func CleanPath(p string) (string, error) {
	c := path.Clean("/" + p)[1:]
	switch {
	case c == "" || c == "." || strings.Contains(p, "\\") || strings.Contains(p, ".."):
		return "", fmt.Errorf("plan file path %q: want a relative path such as data-products/shop.yaml", p)
	case !IsPlanFile(c):
		return "", fmt.Errorf("plan file path %q: want a name ending in .yml, .yaml or .json", p)
	}
	return c, nil
}

// Put checks body as the plan file at p together with the other files and, when it is
// not refused, keeps it in the store and puts the new plans to use. A refused file is a
// *FileError and changes nothing.
func (l *Library) Put(p string, body []byte) error {
	p, err := CleanPath(p)
	if err != nil {
		return err
	}
	files, err := l.files()
	if err != nil {
		return err
	}
	files = slices.DeleteFunc(files, func(f File) bool { return f.Path == p })
	files = append(files, File{Path: p, Body: body})
	_, errs := Load(files, l.log)
	for _, e := range errs {
		var fe *FileError
		if errors.As(e, &fe) && fe.Path == p {
			return fe
		}
	}
	if err := l.st.PutSetting(storedPrefix+p, body); err != nil {
		return fmt.Errorf("keep tracking plan %s: %w", p, err)
	}
	l.use(files)
	return nil
}

// Delete removes the uploaded file at p; ok is false when there is none.
func (l *Library) Delete(p string) (ok bool, err error) {
	p, err = CleanPath(p)
	if err != nil {
		return false, err
	}
	err = l.st.UpdateSettings(func(tx store.SettingsTx) error {
		if tx.Get(storedPrefix+p) == nil {
			return nil
		}
		ok = true
		return tx.Delete(storedPrefix + p)
	})
	if err != nil || !ok {
		return ok, err
	}
	return true, l.Reload()
}
