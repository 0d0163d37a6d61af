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
