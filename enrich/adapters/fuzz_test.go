package adapters

import (
	"testing"
	"time"
)

// FuzzTP2Body checks that the TP2 body parser never panics and always returns either
// events or messages.
func FuzzTP2Body(f *testing.F) {
	f.Add(sdjPD + `[{"e":"pv","tv":"t","p":"web"}]}`)
	f.Add(sdjPD + `[]}`)
	f.Add(`{"schema":1}`)
	f.Add(`[[[[[[`)
	f.Fuzz(func(t *testing.T, body string) {
		evs, msgs := ParseTP2Body(body, 10, time.Unix(0, 0))
		if (evs == nil) == (msgs == nil) {
			t.Fatalf("events %v and messages %v", evs, msgs)
		}
	})
}
