package main

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A body promised and never sent, and an idle keep-alive connection, are closed by the
// read and idle timeouts; a long-poll and the live tail that outlast the read and write
// timeouts still get their answers.
func TestConnectionTimeouts(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none", "--event-log=false", "--read-timeout", "1s", "--write-timeout", "1s", "--idle-timeout", "1s")
	addr := strings.TrimPrefix(p.URL, "http://")

	closed := func(t *testing.T, c net.Conn) {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(20 * time.Second)) // far beyond both timeouts
		buf := make([]byte, 4096)
		for {
			_, err := c.Read(buf)
			if err == nil {
				continue // a 408 or the answer before the close
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the connection is still open after 20 s")
			}
			return
		}
	}
	t.Run("body never sent", func(t *testing.T) {
		t.Parallel()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("POST /com.snowplowanalytics.snowplow/tp2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"))
		closed(t, c)
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		t.Parallel()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("health: %v %v", resp, err)
		}
		closed(t, c)
	})
	t.Run("long-poll outlasts the timeouts", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		status, body := p.get(t, "/plowbox/api/wait?q=app_id:never&timeout=3s")
		if status != http.StatusRequestTimeout || !strings.Contains(body, `"timed_out":true`) {
			t.Fatalf("wait: %d %s", status, body)
		}
		if time.Since(start) < 3*time.Second {
			t.Errorf("the wait ended after %s, before its timeout", time.Since(start))
		}
	})
	t.Run("live tail outlasts the timeouts", func(t *testing.T) {
		t.Parallel()
		resp, err := http.Get(p.URL + "/plowbox/api/tail?q=app_id:late")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		lines := bufio.NewScanner(resp.Body)
		lines.Scan()                            // retry:, then the comment: the stream is open
		timer := time.NewTimer(2 * time.Second) // past the 1 s write timeout
		<-timer.C
		if status, body := p.get(t, "/i?e=pv&p=web&tv=t&aid=late"); status != http.StatusOK {
			t.Fatalf("track: %d %s", status, body)
		}
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "data:") && strings.Contains(lines.Text(), `"late"`) {
				return
			}
		}
		t.Fatalf("the tail ended without the event: %v", lines.Err())
	})
}
