package pgcluster

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// TestStopPutsBackTheModesItOpened is breaker5 F34: run as root, the hub
// added o+x to a 0700 directory above its data dir and never took it back.
// Its class, generated: data dirs under chains of one to three directories
// with random modes (with and without the search bit for others, the data
// dir itself sometimes made beforehand as 0700). The cluster starts (so
// the postgres user reached it), a second Start joins it and its Stop
// changes nothing; after the starter's Stop every directory above the data
// dir has exactly the mode os.Stat gave before, and no record is left.
func TestStopPutsBackTheModesItOpened(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only a hub run as root changes directory modes (PostgreSQL then runs as an unprivileged user)")
	}
	ctx := context.Background()
	rng := rand.New(rand.NewSource(34))
	modes := []os.FileMode{0o700, 0o750, 0o770, 0o711, 0o755, 0o701, 0o710}
	for n := 0; n < 4; n++ {
		base, err := os.MkdirTemp("", "f34-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(base)
		dirs := []string{base}
		d := base
		for k := rng.Intn(3); k > 0; k-- {
			d = filepath.Join(d, fmt.Sprint("p", k))
			if err := os.Mkdir(d, 0o700); err != nil {
				t.Fatal(err)
			}
			dirs = append(dirs, d)
		}
		// The first case is the breaker's: one 0700 directory above.
		if n > 0 {
			for _, d := range dirs {
				if err := os.Chmod(d, modes[rng.Intn(len(modes))]); err != nil {
					t.Fatal(err)
				}
			}
		}
		data := filepath.Join(d, "data")
		if rng.Intn(2) == 0 {
			if err := os.Mkdir(data, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		before := map[string]os.FileMode{}
		for _, d := range dirs {
			fi, _ := os.Stat(d)
			before[d] = fi.Mode().Perm()
		}
		a, err := Start(ctx, data, Options{Throwaway: true})
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		b, err := Start(ctx, data, Options{Throwaway: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			if fi, _ := os.Stat(d); fi.Mode().Perm()&0o001 == 0 {
				t.Errorf("case %d: %s is %#o while the cluster runs: the postgres user cannot reach the data dir", n, d, fi.Mode().Perm())
			}
		}
		if err := a.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			if fi, _ := os.Stat(d); fi.Mode().Perm() != before[d] {
				t.Errorf("case %d: %s is %#o after Stop, was %#o", n, d, fi.Mode().Perm(), before[d])
			}
		}
		if _, err := os.Stat(filepath.Join(data, WidenedFile)); !os.IsNotExist(err) {
			t.Errorf("case %d: %s left behind (%v)", n, WidenedFile, err)
		}
	}
}
