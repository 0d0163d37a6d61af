package command

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
	"guidancehub/internal/postgres"
)

// runImport imports a directory and prints what it did; it exits non-zero
// when any file failed (the other files are still imported).
func runImport(ctx context.Context, db *postgres.DB, dir string, opts ingest.Options, stdout, stderr io.Writer) int {
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	opts.OnResult = func(res content.ImportResult) {
		if res.Note != "" {
			fmt.Fprintf(out, "%-9s %s (%s: %s)\n", res.Action, res.Slug, res.Path, res.Note)
			return
		}
		fmt.Fprintf(out, "%-9s %s (%s)\n", res.Action, res.Slug, res.Path)
	}
	rep, err := ingest.ImportWith(ctx, db, dir, opts)
	out.Flush()
	if err != nil {
		fmt.Fprintln(stderr, "guidancehub import:", err)
		return 1
	}
	for _, e := range rep.Errors {
		fmt.Fprintln(stderr, "error:", e)
	}
	fmt.Fprintln(out, summary(rep))
	fmt.Fprintf(out, "import: read %d files in %s, wrote %d in %d batches in %s, committed in %s\n", rep.Files,
		rep.Read.Round(time.Millisecond), rep.Written, rep.Batches, rep.Write.Round(time.Millisecond), rep.Commit.Round(time.Millisecond))
	if rep.Failed() {
		return 1
	}
	return 0
}

func summary(rep *ingest.Report) string {
	counts := rep.Counts()
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	parts = append(parts, fmt.Sprintf("%d failed", len(rep.Errors)))
	return "import: " + strings.Join(parts, ", ")
}
