package command

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lintFile returns a valid guidance file with the given source lines
// (already indented YAML list items) and review date.
func lintFile(slug, reviewed string, sources string) string {
	return fmt.Sprintf(`---
kind: guidance
slug: %s
title: Generated %s
summary: A generated resource.
topics: [charging]
audiences: [commissioners]
nations: [england]
published: 2000-01-01
last_reviewed: %s
next_review: 2099-01-01
sources:
%sapplies_to: Everyone.
actions:
  - Act.
---
%s`, slug, slug, reviewed, sources, strings.Repeat("Words of generated guidance. ", 90))
}

// TestLintCommandReportsSourceWarnings runs the real lint command on a
// library with one of each source warning and checks the exit code, the
// warning lines and the counts it prints; an error still fails with exit 1.
func TestLintCommandReportsSourceWarnings(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"undated.md":    lintFile("undated", "2020-01-01", "  - title: No date\n    url: https://example.org/a\n"),
		"mirror.md":     lintFile("mirror", "2020-01-01", "  - title: Copy\n    url: https://www.readkong.com/page/x\n    date: 2019-01-01\n"),
		"superseded.md": lintFile("superseded", "2020-01-01", "  - title: Old GMC\n    url: https://gmc-uk.org/guidance/ethical_guidance/confidentiality_36_39_the_public_interest.asp\n    date: 2009-10-12\n"),
		"stale.md":      lintFile("stale", "2020-01-01", "  - title: Newer\n    url: https://example.org/b\n    date: 2021-05-01\n"),
		"clean.md":      lintFile("clean", "2020-01-01", "  - title: Fine\n    url: https://example.org/c\n    date: 2019-05-01\n"),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if code := runLint([]string{dir}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d, want 0 (warnings do not fail)\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{
		"lint: 5 files, 5 valid, 0 errors, 0 translations, 4 warnings",
		"warnings: review-overdue 0, review-before-source 1, source-undated 1, source-mirror 1, source-superseded 1",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	for file, code := range map[string]string{"undated.md": "(source-undated)", "mirror.md": "(source-mirror)", "superseded.md": "(source-superseded)", "stale.md": "(review-before-source)"} {
		found := false
		for _, line := range strings.Split(errOut.String(), "\n") {
			if strings.HasPrefix(line, "warning: ") && strings.Contains(line, file) && strings.HasSuffix(line, code) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s warning for %s in:\n%s", code, file, errOut.String())
		}
	}
	if strings.Contains(errOut.String(), "clean.md") {
		t.Errorf("clean.md got a warning:\n%s", errOut.String())
	}

	if err := os.WriteFile(filepath.Join(dir, "broken.md"), []byte("---\nkind: nonsense\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := runLint([]string{dir}, &out, &errOut); code != 1 {
		t.Errorf("with a broken file: exit %d, want 1", code)
	}
}
