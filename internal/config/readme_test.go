package config

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeListsEveryOption keeps README.md's configuration table true:
// every setting has a row with its flag and, where it has one, its default.
func TestReadmeListsEveryOption(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(readme), "\n") {
		if cells := strings.Split(line, "|"); len(cells) > 4 && strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			rows[strings.Trim(strings.TrimSpace(cells[1]), "`")] = line
		}
	}
	for _, o := range Options {
		row, ok := rows[o.Env]
		if !ok {
			t.Errorf("README.md has no row for %s", o.Env)
			continue
		}
		if !strings.Contains(row, "| `--"+o.Flag+"` |") {
			t.Errorf("README.md row for %s does not give its flag --%s: %s", o.Env, o.Flag, row)
		}
		if o.Default != "" && !strings.Contains(row, "| `"+o.Default+"` |") {
			t.Errorf("README.md row for %s does not give its default %q: %s", o.Env, o.Default, row)
		}
	}
}
