package main

import (
	"runtime/debug"
	"strings"
)

// Garbage-collector settings for serve. A request allocates a lot of
// short-lived memory (gqlgen builds a field context per field; a list of 20
// is about 250 kB) over a small live heap (30–50 MB at 100,000 resources:
// the search index is mmapped, not on the heap), so at Go's default
// (collect at 100 % growth) the collector takes a fifth of a list's CPU.
// Collecting at 400 % growth cuts that (BenchmarkReadPath: 1.46–1.51 →
// 1.01–1.13 ms CPU per list of 20), and a soft limit of 192 MiB on the Go
// heap keeps the process's anonymous memory under 256 MB (measured peak
// 171 MB under the peer kit's mixed load at 100,000 resources, with
// scripts/rss-under-load.sh). GOGC and GOMEMLIMIT in the environment win.
const (
	serveGCPercent   = 400
	serveMemoryLimit = 192 << 20
)

// tuneGC applies the serve settings when args run serve (no command, or
// flags only, or "serve") and the environment sets neither GOGC nor
// GOMEMLIMIT respectively. import and lint keep Go's defaults: their memory
// is bounded by their own batches. It reports what it set.
func tuneGC(args []string, getenv func(string) string) (percent bool, limit bool) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") && args[0] != "serve" {
		return false, false
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
		percent = true
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
		limit = true
	}
	return percent, limit
}
