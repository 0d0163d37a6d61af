package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestTuneGC: serve (however it is spelled) gets the collector settings
// unless the environment sets them; the other commands keep Go's defaults.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	for _, c := range []struct {
		args           []string
		env            map[string]string
		percent, limit bool
	}{
		{nil, nil, true, true},
		{[]string{"serve"}, nil, true, true},
		{[]string{"--addr", "127.0.0.1:0"}, nil, true, true},
		{[]string{"serve"}, map[string]string{"GOGC": "100"}, false, true},
		{[]string{}, map[string]string{"GOMEMLIMIT": "1GiB"}, true, false},
		{[]string{"import", "dir"}, nil, false, false},
		{[]string{"lint"}, nil, false, false},
		{[]string{"reindex"}, nil, false, false},
	} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		p, l := tuneGC(c.args, env(c.env))
		if p != c.percent || l != c.limit {
			t.Errorf("%q %v: set percent %v limit %v, want %v %v", c.args, c.env, p, l, c.percent, c.limit)
		}
		// What the runtime now holds agrees with what was reported.
		if got := debug.SetGCPercent(100); (got == serveGCPercent) != c.percent {
			t.Errorf("%q %v: GC percent %d", c.args, c.env, got)
		}
		if got := debug.SetMemoryLimit(math.MaxInt64); (got == serveMemoryLimit) != c.limit {
			t.Errorf("%q %v: memory limit %d", c.args, c.env, got)
		}
	}
}
