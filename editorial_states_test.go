package main

import (
	"strings"
	"testing"
	"time"
)

// TestEditorialStateErrors: every revision number an edit may name against
// a resource at revision L (never existed: above L or below 1; stale:
// below L; current: L) gets the matching answer and message; a review
// dated after today anywhere on Earth is INVALID_ARGUMENT on
// lastReviewedAt; publishing a resource already published with no newer
// draft is CONFLICT (README's "already in that state"), while publishing
// a draft, or a withdrawn resource, works.
func TestEditorialStateErrors(t *testing.T) {
	e := startEditorialHub(t)
	r := authed(t, e.url, e.editor, createQ, newDraft("states-guide", "States guide"))
	id, _ := path(r.Data, "createResource", "resource", "id").(string)
	if id == "" {
		t.Fatalf("create: %+v", r.Errors)
	}
	const pub = `mutation($id: ID!) { publishResource(id: $id) { resource { status revision } } }`
	const upd = `mutation($id: ID!, $rev: Int!, $in: ResourceInput!) { updateResource(id: $id, revision: $rev, input: $in) { resource { revision editorial { latestRevision } } } }`
	publish := func(want string) {
		t.Helper()
		r := authed(t, e.url, e.editor, pub, map[string]any{"id": id})
		if r.code() != want {
			t.Errorf("publish: code %q, want %q (%+v)", r.code(), want, r.Errors)
		}
		if want == "CONFLICT" && !strings.Contains(r.Errors[0].Message, "already published") {
			t.Errorf("publish: %q", r.Errors[0].Message)
		}
	}
	publish("")         // a draft: published
	publish("CONFLICT") // nothing newer
	publish("CONFLICT")

	latest := 1
	for round := 0; round < 3; round++ {
		for _, seen := range []int{latest + 1, latest + 7, 0, -1, latest - 1, latest} {
			r := authed(t, e.url, e.editor, upd, map[string]any{"id": id, "rev": seen, "in": map[string]any{"summary": "Summary " + time.Now().String()}})
			var msg string
			if len(r.Errors) > 0 {
				msg = r.Errors[0].Message
			}
			switch {
			case seen > latest || seen < 1:
				if r.code() != "CONFLICT" || !strings.Contains(msg, "there is no revision") {
					t.Errorf("revision %d (latest %d): %s %q", seen, latest, r.code(), msg)
				}
			case seen < latest:
				if r.code() != "CONFLICT" || !strings.Contains(msg, "has changed since revision") {
					t.Errorf("revision %d (latest %d): %s %q", seen, latest, r.code(), msg)
				}
			default:
				if r.code() != "" {
					t.Fatalf("revision %d (latest): %s %q", seen, r.code(), msg)
				}
				latest = int(path(r.Data, "updateResource", "resource", "editorial", "latestRevision").(float64))
			}
		}
		publish("") // the new draft
		publish("CONFLICT")
		latest = int(path(authed(t, e.url, e.editor, `query($id: ID!) { node(id: $id) { ... on Resource { editorial { latestRevision } } } }`, map[string]any{"id": id}).Data, "node", "editorial", "latestRevision").(float64))
	}

	const mark = `mutation($id: ID!, $last: Date!, $next: Date!) { markReviewed(id: $id, lastReviewedAt: $last, nextReviewDue: $next) { resource { lastReviewedAt } } }`
	today := time.Now().UTC()
	for _, days := range []int{-400, -1, 0, 2, 3, 30, 365, 4000} {
		last := today.AddDate(0, 0, days)
		r := authed(t, e.url, e.editor, mark, map[string]any{"id": id, "last": last.Format("2006-01-02"), "next": last.AddDate(1, 0, 0).Format("2006-01-02")})
		future := days >= 2 // after today anywhere on Earth (UTC+14 is at most one day ahead)
		// The resource was published today: a review before that is
		// refused too, as in files (breaker5 F17).
		refused := future || days < 0
		if refused && (r.code() != "INVALID_ARGUMENT" || r.Errors[0].Extensions["field"] != "lastReviewedAt") {
			t.Errorf("review dated %+d days: %s %+v", days, r.code(), r.Errors)
		}
		if !refused && r.code() != "" {
			t.Errorf("review dated %+d days: %s %+v", days, r.code(), r.Errors)
		}
	}

	// A withdrawn resource may be published again.
	authed(t, e.url, e.editor, `mutation($id: ID!) { withdrawResource(id: $id, reason: "Test") { resource { id } } }`, map[string]any{"id": id})
	publish("")
	publish("CONFLICT")
}
