package command

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"guidancehub/internal/ingest"
)

// runLint checks a resource library without a database: every error (file
// and field) fails with exit 1; overdue reviews and doubtful sources (no
// date, a mirror, a superseded page, newer than the last review) are
// warnings (internal/ingest/lint.go). It ends with the library's counts.
// It streams the library (ingest.LintDir): memory stays bounded whatever
// the library's size.
func runLint(args []string, stdout, stderr io.Writer) int {
	dir := "./resources"
	if v := os.Getenv("HUB_RESOURCES_DIR"); v != "" {
		dir = v
	}
	if len(args) > 1 {
		fmt.Fprintln(stderr, "guidancehub lint: one DIR at most")
		return 2
	} else if len(args) == 1 {
		dir = args[0]
	}
	lists, err := ingest.ShippedSourceLists()
	if err != nil {
		fmt.Fprintln(stderr, "guidancehub lint:", err)
		return 1
	}
	rep, err := ingest.LintDir(dir, time.Now(), lists)
	if err != nil {
		fmt.Fprintln(stderr, "guidancehub lint:", err)
		return 1
	}
	defer rep.Close()
	for _, e := range rep.Errors {
		fmt.Fprintln(stderr, "error:", e)
	}
	warnings := 0
	err = rep.EachWarning(func(w ingest.Warning) {
		warnings++
		fmt.Fprintln(stderr, "warning:", w)
	})
	if err != nil {
		fmt.Fprintln(stderr, "guidancehub lint:", err)
		return 1
	}
	st := rep.Stats
	fmt.Fprintf(stdout, "lint: %d files, %d valid, %d errors, %d translations, %d warnings\n", rep.Files, rep.Valid, len(rep.Errors), st.Translations, warnings)
	parts := make([]string, len(ingest.WarningCodes))
	for i, c := range ingest.WarningCodes {
		parts[i] = fmt.Sprintf("%s %d", c, rep.Warnings[c])
	}
	fmt.Fprintf(stdout, "  %-9s %s\n", "warnings:", strings.Join(parts, ", "))
	for _, c := range []struct {
		name string
		m    map[string]int
	}{{"kinds", st.Kinds}, {"topics", st.Topics}, {"nations", st.Nations}, {"languages", st.Languages}} {
		keys := make([]string, 0, len(c.m))
		for k := range c.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, c.m[k])
		}
		fmt.Fprintf(stdout, "  %-9s %s\n", c.name+":", strings.Join(parts, ", "))
	}
	if len(rep.Errors) > 0 {
		return 1
	}
	return 0
}
