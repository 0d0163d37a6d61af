package command

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"strings"
	"testing"
)

// TestBusyAddressStopsServeFirst: breaker4 F17, an address another process
// listens on was found only after initdb, PostgreSQL, the import and the
// index build. The oracle is the kernel: for ports held by listeners of
// this test, every spelling of the address (127.0.0.1, localhost, 0.0.0.0,
// which Linux refuses while 127.0.0.1 holds the port) stops serve with exit
// status 1 and one line naming HUB_ADDR, before anything is created in
// HUB_DATA_DIR or any database is tried (DATABASE_URL points nowhere).
func TestBusyAddressStopsServeFirst(t *testing.T) {
	for range 3 {
		held, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()
		_, port, _ := net.SplitHostPort(held.Addr().String())
		for _, host := range []string{"127.0.0.1", "localhost", "0.0.0.0"} {
			dir := t.TempDir()
			vars := map[string]string{"HUB_ADDR": net.JoinHostPort(host, port), "HUB_DATA_DIR": dir, "DATABASE_URL": "postgres://127.0.0.1:1/nowhere?connect_timeout=1"}
			var stderr bytes.Buffer
			code := Run(context.Background(), nil, io.Discard, &stderr, func(k string) string { return vars[k] }, nil)
			if code != 1 || !strings.Contains(stderr.String(), "HUB_ADDR") || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
				t.Errorf("%s: exit %d, %q; want 1 and one line naming HUB_ADDR", vars["HUB_ADDR"], code, stderr.String())
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("%s: HUB_DATA_DIR holds %d entries, want none (nothing started)", vars["HUB_ADDR"], len(entries))
			}
		}
	}
}
