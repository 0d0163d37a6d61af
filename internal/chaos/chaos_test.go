package chaos

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestChaosShort is the short form of `make chaos` that `make test` runs:
// one kill -9 cycle of the hub during writes, one kill -9 of PostgreSQL
// under load, one start over stale pid files, three kinds of index damage
// with the hub stopped (each found a different way; internal/search tests
// every kind) and one while it serves. It fails on a lost
// acknowledged write, an index that disagrees with PostgreSQL, an INTERNAL
// answer, or PostgreSQL not back within 10 s.
func TestChaosShort(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "guidancehub")
	if out, err := exec.Command("go", "build", "-o", bin, "guidancehub").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	rep, err := Run(ctx, Config{Bin: bin, HubKills: 1, PGKills: 1, StalePIDs: 1, Damages: 3, LiveDamages: 1, Writers: 1, Log: &progress})
	if err != nil {
		t.Fatalf("chaos: %v\n%s", err, progress.String())
	}
	var out bytes.Buffer
	rep.Print(&out)
	t.Log("\n" + out.String())
	if !rep.OK() {
		t.Errorf("chaos found faults:\n%s\n%s", out.String(), progress.String())
	}
	if rep.Acknowledged == 0 {
		t.Error("no write was acknowledged: the suite tested nothing")
	}
	for _, kind := range []string{"hub kill -9 → ready", "PostgreSQL kill -9 → answering", "stale pid file → ready", "index damage (stopped) → healed", "index damage (serving) → healed"} {
		if len(rep.Recovery[kind]) == 0 {
			t.Errorf("no recovery measured for %q", kind)
		}
	}
}

// TestDeathCause names what killed a hub from its own last words: the
// stderr of a hub a damaged segment killed in a live-damage run (trimmed),
// a panic, and a hub that said nothing of the kind.
func TestDeathCause(t *testing.T) {
	oom := `time=2026-12-01T03:51:27.367Z level=INFO msg="import: 0 failed" files=0
runtime: out of memory: cannot allocate 186172429041664-byte block (11763712 in use)
fatal error: out of memory

goroutine 85 gp=0x1e3336764b40 m=3 mp=0x1e33360db008 [running]:
runtime.throw({0x147849f?, 0x4?})
	/usr/local/go/src/runtime/panic.go:1229 +0x48 fp=0x1e33368d7848 sp=0x1e33368d7818 pc=0x48c188
runtime.(*mcache).allocLarge(0xa049ba?, 0xa952a54a9528, 0x1)
	/usr/local/go/src/runtime/mcache.go:259 +0x18d fp=0x1e33368d7898 sp=0x1e33368d7848 pc=0x429f6d
runtime.makeslice(0x489da5?, 0x48a3df?, 0x1e33368d7980?)
	/usr/local/go/src/runtime/slice.go:117 +0x49 fp=0x1e33368d7948 sp=0x1e33368d7920 pc=0x48e849
github.com/blevesearch/zapx/v17.newChunkedIntDecoder({0x7f78fb1e8000, 0x33e9?, 0x3411}, 0x1b02, 0x1e33368d79e0?, 0x1e3336240558)
	/root/go/pkg/mod/github.com/blevesearch/zapx/v17@v17.2.5/intDecoder.go:55 +0x19d
`
	for _, c := range []struct{ logs, want string }{
		{oom, "fatal error: out of memory in github.com/blevesearch/zapx/v17.newChunkedIntDecoder"},
		{"panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/x/main.go:3 +0x1\n", "panic: boom in main.main"},
		{"time=x level=INFO msg=\"search index damaged\"\n", `time=x level=INFO msg="search index damaged"`},
		{"", "no output"},
	} {
		if got := deathCause(c.logs); got != c.want {
			t.Errorf("deathCause(%.40q) = %q, want %q", c.logs, got, c.want)
		}
	}
}
