package pgcluster

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestSocketDirStaysUnderTheSocketPathLimit(t *testing.T) {
	short := socketDir("/srv/hub/data")
	if short != "/srv/hub/data/run" {
		t.Errorf("short data dir: socket dir %q, want inside the data dir", short)
	}
	deep := "/" + strings.Repeat("very-long-directory-name/", 8) + "data"
	got := socketDir(deep)
	if len(got)+len("/.s.PGSQL.5432") >= 100 {
		t.Errorf("deep data dir: socket path %q is too long", got)
	}
	if socketDir(deep) != got || socketDir(deep+"2") == got {
		t.Error("fallback socket dir must be stable per data dir and differ between data dirs")
	}
}

func TestStartWithoutBinariesSaysWhatToDo(t *testing.T) {
	_, err := Start(context.Background(), t.TempDir(), Options{BinDir: filepath.Join(t.TempDir(), "nothing")})
	if err == nil || !strings.Contains(err.Error(), "HUB_PG_BINDIR") {
		t.Errorf("err = %v", err)
	}
}

func TestStartStopAndJoin(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	a, err := Start(ctx, dir, Options{Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	if !a.Started() {
		t.Fatal("first Start did not start the server")
	}
	b, err := Start(ctx, dir, Options{Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	if b.Started() {
		t.Error("second Start started a second server instead of joining")
	}
	if err := b.Stop(ctx); err != nil || !a.Running(ctx) {
		t.Errorf("Stop of a joined cluster must leave it running (err %v)", err)
	}
	if a.DSN("x") != b.DSN("x") {
		t.Errorf("DSNs differ: %s %s", a.DSN("x"), b.DSN("x"))
	}
	if err := a.Stop(ctx); err != nil || a.Running(ctx) {
		t.Errorf("Stop by the starter: err %v, running %v", err, a.Running(ctx))
	}
}
