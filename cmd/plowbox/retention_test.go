package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plowbox/plowbox/store/index"

	"github.com/plowbox/plowbox/internal/options"
)

func TestRetentionOptions(t *testing.T) {
	tests := []struct {
		args    []string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c retentionConfig)
	}{
		{nil, nil, "", func(t *testing.T, c retentionConfig) {
			if c.age != 7*24*time.Hour || c.events != 0 || !c.bytes.Auto {
				t.Errorf("defaults = %+v, want 7 days, no cap, auto bytes", c)
			}
		}},
		{[]string{"--retention-age", "0", "--retention-events", "1000", "--retention-bytes", "2GiB"}, nil, "", func(t *testing.T, c retentionConfig) {
			if c.age != 0 || c.events != 1000 || c.bytes.Auto || c.bytes.Bytes != 2<<30 {
				t.Errorf("got %+v", c)
			}
		}},
		{nil, map[string]string{"PLOWBOX_RETENTION_BYTES": "500MB"}, "", func(t *testing.T, c retentionConfig) {
			if c.bytes.Auto || c.bytes.Bytes != 500e6 {
				t.Errorf("from the environment: %+v", c)
			}
		}},
		{[]string{"--retention-bytes", "lots"}, nil, "want a size such as 500MB", nil},
	}
	for _, tt := range tests {
		var c retentionConfig
		var stderr strings.Builder
		err := options.Parse("serve", retentionOptions(&c), tt.args, func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }, &stderr)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(stderr.String()+err.Error(), tt.wantErr) {
				t.Errorf("%v: err %v, stderr %q; want %q", tt.args, err, stderr.String(), tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		tt.check(t, c)
	}
}

// TestRetentionBudgetAuto checks that "auto" is 80 % of the free space plus what the data
// directory already holds.
func TestRetentionBudgetAuto(t *testing.T) {
	dir := t.TempDir()
	r, err := storeRetention(retentionConfig{bytes: options.SizeOrAuto{Auto: true}}, dir, dir+"/index", index.NewPruner(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if r.MaxBytes <= 0 {
		t.Fatalf("auto budget = %d", r.MaxBytes)
	}
	r2, _ := storeRetention(retentionConfig{bytes: options.SizeOrAuto{Bytes: 12345}}, dir, dir, index.NewPruner(), slog.New(slog.DiscardHandler))
	if r2.MaxBytes != 12345 {
		t.Errorf("explicit budget = %d, want 12345", r2.MaxBytes)
	}
}

// TestRetentionServe keeps the newest records of a running plowbox under
// --retention-events: five events sent in one request are one commit, after which one
// retention pass deletes the two oldest.
func TestRetentionServe(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none", "--event-log=false", "--retention-events", "3", "--log-level", "debug")
	var events []string
	for i := range 5 {
		events = append(events, fmt.Sprintf(`{"e":"pv","p":"web","tv":"t","aid":"app%d"}`, i))
	}
	body := `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[` + strings.Join(events, ",") + `]}`
	if status, b := p.do(t, http.MethodPost, "/com.snowplowanalytics.snowplow/tp2", "application/json", body); status != http.StatusOK {
		t.Fatalf("send: %d %s", status, b)
	}
	if line := p.waitLog(t, "retention deleted records"); !strings.Contains(line, "records=2 kept=3") {
		t.Errorf("retention pass: %s", line)
	}
	if _, got := p.get(t, "/micro/all"); got != `{"total":3,"good":3,"bad":0}` {
		t.Errorf("/micro/all = %s, want 3 records kept", got)
	}
	var good []struct {
		Event struct {
			AppID string `json:"app_id"`
		} `json:"event"`
	}
	p.getJSON(t, "/micro/good", &good)
	var apps []string
	for _, g := range good {
		apps = append(apps, g.Event.AppID)
	}
	if strings.Join(apps, ",") != "app4,app3,app2" {
		t.Errorf("kept %v, want the newest three", apps)
	}
}
