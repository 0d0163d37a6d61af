package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFutureReviewDateOnEveryDoor: a review dated after today was refused
// by markReviewed only; createResource, updateResource and resource files
// (import and lint) took it, and the page then said "Last reviewed" on a
// day still to come. Every door now applies content.CheckReviewDate. Over
// dates around today and far off: a date after today anywhere on Earth
// (two days ahead of UTC or more) is refused on lastReviewedAt (last_reviewed
// in a file), an earlier one accepted, on each door.
func TestFutureReviewDateOnEveryDoor(t *testing.T) {
	e := startEditorialHub(t)
	const upd = `mutation($id: ID!, $rev: Int!, $in: ResourceInput!) { updateResource(id: $id, revision: $rev, input: $in) { resource { id } } }`
	const mark = `mutation($id: ID!, $last: Date!, $next: Date!) { markReviewed(id: $id, lastReviewedAt: $last, nextReviewDue: $next) { resource { id } } }`
	fixture, err := os.ReadFile("testdata/resources/register-without-id.md")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC()
	for i, days := range []int{-400, -1, 0, 2, 3, 30, 365, 4000} {
		last := today.AddDate(0, 0, days)
		day, next := last.Format("2006-01-02"), last.AddDate(1, 0, 0).Format("2006-01-02")
		future := days >= 2 // after today anywhere on Earth (UTC+14 is at most one day ahead)
		check := func(door, code, field string) {
			t.Helper()
			if future && (code != "INVALID_ARGUMENT" || !strings.HasSuffix(field, "lastReviewedAt")) {
				t.Errorf("%s, review dated %+d days: %q on %q, want INVALID_ARGUMENT on lastReviewedAt", door, days, code, field)
			}
			if !future && code != "" {
				t.Errorf("%s, review dated %+d days: %q on %q", door, days, code, field)
			}
		}
		field := func(r *gqlResponse) string {
			if len(r.Errors) == 0 {
				return ""
			}
			f, _ := r.Errors[0].Extensions["field"].(string)
			return f
		}

		in := newDraft(fmt.Sprintf("review-date-%d", i), "Review date")
		in["in"].(map[string]any)["content"].(map[string]any)["lastReviewedAt"] = day
		in["in"].(map[string]any)["content"].(map[string]any)["nextReviewDue"] = next
		r := authed(t, e.url, e.editor, createQ, in)
		check("createResource", r.code(), field(r))

		r = authed(t, e.url, e.editor, createQ, newDraft(fmt.Sprintf("review-date-upd-%d", i), "Review date"))
		id := path(r.Data, "createResource", "resource", "id").(string)
		r = authed(t, e.url, e.editor, upd, map[string]any{"id": id, "rev": 1, "in": map[string]any{"lastReviewedAt": day, "nextReviewDue": next}})
		check("updateResource", r.code(), field(r))

		r = authed(t, e.url, e.editor, mark, map[string]any{"id": id, "last": day, "next": next})
		check("markReviewed", r.code(), field(r))

		// A resource file, imported and linted.
		dir := t.TempDir()
		published := min(day, today.AddDate(0, 0, -400).Format("2006-01-02"))
		text := strings.NewReplacer("slug: register-without-id", fmt.Sprintf("slug: review-date-file-%d", i),
			"published: 2025-03-01", "published: "+published, "last_reviewed: 2025-03-01", "last_reviewed: "+day,
			"next_review: 2026-03-01", "next_review: "+next, "related: [barriers-brief, free-care-for-all]", "").Replace(string(fixture))
		if err := os.WriteFile(filepath.Join(dir, "review.md"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, verb := range []string{"lint", "import"} {
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{verb, dir}, &out, &errOut, env(map[string]string{"DATABASE_URL": e.dsn, "HUB_DATA_DIR": t.TempDir()}), nil)
			said := out.String() + errOut.String()
			refused := code != 0 && strings.Contains(said, "last_reviewed") && strings.Contains(said, "in the future")
			if future != refused {
				t.Errorf("%s of a file reviewed %+d days from today: exit %d, future %v:\n%.600s", verb, days, code, future, said)
			}
			if !future && code != 0 {
				t.Errorf("%s of a file reviewed %+d days from today: exit %d:\n%.600s", verb, days, code, said)
			}
		}
	}
}
