package main

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/testdb"
)

const scheduledQ = `query($id: ID!) { node(id: $id) { ... on Resource { status editorial { latestRevision scheduled { at revision scheduledBy } } } } }`

// TestScheduledPublicationSeenAndCancelled is breaker5 F40: a scheduled
// publication is shown to editors (editorial { scheduled }) with its time,
// the revision it will publish and who scheduled it; later edits do not
// change that revision; cancelScheduledPublication ends it and the
// resource stays a draft; a second cancel is CONFLICT.
func TestScheduledPublicationSeenAndCancelled(t *testing.T) {
	e := startEditorialHub(t)
	r := authed(t, e.url, e.editor, createQ, newDraft("f40-embargoed", "Embargoed guidance"))
	id := path(r.Data, "createResource", "resource", "id").(string)
	at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	r = authed(t, e.url, e.editor, `mutation($id: ID!, $at: DateTime) { publishResource(id: $id, at: $at) { resource { status editorial { scheduled { at revision scheduledBy } } } } }`,
		map[string]any{"id": id, "at": at.Format(time.RFC3339)})
	if len(r.Errors) > 0 || path(r.Data, "publishResource", "resource", "status") != "DRAFT" {
		t.Fatalf("schedule: %v %+v", r.Data, r.Errors)
	}
	got := path(r.Data, "publishResource", "resource", "editorial", "scheduled")
	want := map[string]any{"at": at.Format(time.RFC3339), "revision": float64(1), "scheduledBy": "test EDITOR"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("scheduled = %v, want %v", got, want)
	}
	r = authed(t, e.url, e.editor, `mutation($id: ID!) { updateResource(id: $id, revision: 1, input: {title: "Embargoed guidance, edited"}) { resource { id } } }`, map[string]any{"id": id})
	if len(r.Errors) > 0 {
		t.Fatalf("update: %+v", r.Errors)
	}
	r = authed(t, e.url, e.editor, scheduledQ, map[string]any{"id": id})
	if got := path(r.Data, "node", "editorial", "scheduled", "revision"); got != float64(1) {
		t.Errorf("after an edit the scheduled revision is %v, want 1 (the one current when scheduled)", got)
	}
	if got := path(r.Data, "node", "editorial", "latestRevision"); got != float64(2) {
		t.Errorf("latestRevision %v, want 2", got)
	}
	cancel := `mutation($id: ID!) { cancelScheduledPublication(id: $id) { resource { status editorial { scheduled { at } } } } }`
	r = authed(t, e.url, e.editor, cancel, map[string]any{"id": id})
	if len(r.Errors) > 0 || path(r.Data, "cancelScheduledPublication", "resource", "status") != "DRAFT" ||
		path(r.Data, "cancelScheduledPublication", "resource", "editorial", "scheduled") != nil {
		t.Errorf("cancel: %v %+v", r.Data, r.Errors)
	}
	if r = authed(t, e.url, e.editor, cancel, map[string]any{"id": id}); r.code() != "CONFLICT" {
		t.Errorf("second cancel: %v %+v, want CONFLICT", r.Data, r.Errors)
	}
	r = authed(t, e.url, e.admin, `{ auditLog(first: 1) { action revision } }`, nil)
	if path(r.Data, "auditLog", 0, "action") != "cancel schedule" || path(r.Data, "auditLog", 0, "revision") != float64(1) {
		t.Errorf("audit = %v", r.Data)
	}
}

// TestScheduledViewAgreesWithPostgreSQL is F40's class, generated: 60
// random steps of scheduling (at a random future time), publishing now,
// editing, withdrawing and cancelling over four resources, through the
// real handler. After every step each resource's editorial { scheduled }
// must be exactly its row in scheduled_publications (time, revision,
// token name), or null when it has none; a cancel succeeds exactly when
// there was a row.
func TestScheduledViewAgreesWithPostgreSQL(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(40))
	ids := make([]string, 4)
	for i := range ids {
		r := authed(t, e.url, e.editor, createQ, newDraft(fmt.Sprintf("f40-class-%d", i), fmt.Sprintf("Scheduled guide %d", i)))
		ids[i] = path(r.Data, "createResource", "resource", "id").(string)
	}
	row := func(id string) any {
		var at time.Time
		var rev int
		var by string
		err := db.Pool().QueryRow(ctx, `SELECT s.publish_at, s.revision, s.token_name FROM scheduled_publications s
			WHERE s.resource_id = $1`, mustNodeID(t, id)).Scan(&at, &rev, &by)
		if err != nil {
			return nil
		}
		return fmt.Sprint(map[string]any{"at": at.UTC().Format(time.RFC3339), "revision": float64(rev), "scheduledBy": by})
	}
	for step := 0; step < 60; step++ {
		id := ids[rng.Intn(len(ids))]
		before := row(id)
		var op string
		switch rng.Intn(5) {
		case 0, 1:
			at := time.Now().Add(time.Duration(1+rng.Intn(1000)) * time.Hour).UTC().Truncate(time.Second)
			op = "schedule"
			authed(t, e.url, e.editor, `mutation($id: ID!, $at: DateTime) { publishResource(id: $id, at: $at) { resource { id } } }`, map[string]any{"id": id, "at": at.Format(time.RFC3339)})
		case 2:
			op = "cancel"
			r := authed(t, e.url, e.editor, `mutation($id: ID!) { cancelScheduledPublication(id: $id) { resource { id } } }`, map[string]any{"id": id})
			if (before != nil) != (len(r.Errors) == 0) {
				t.Errorf("step %d: cancel with row %v: %+v", step, before, r.Errors)
			}
			if before == nil && r.code() != "CONFLICT" {
				t.Errorf("step %d: cancel with nothing scheduled: %q, want CONFLICT", step, r.code())
			}
		case 3:
			op = "edit"
			r := authed(t, e.url, e.editor, scheduledQ, map[string]any{"id": id})
			rev := path(r.Data, "node", "editorial", "latestRevision")
			authed(t, e.url, e.editor, `mutation($id: ID!, $rev: Int!) { updateResource(id: $id, revision: $rev, input: {summary: "Edited at some step."}) { resource { id } } }`,
				map[string]any{"id": id, "rev": rev})
		case 4:
			if rng.Intn(2) == 0 {
				op = "publish now"
				authed(t, e.url, e.editor, `mutation($id: ID!) { publishResource(id: $id) { resource { id } } }`, map[string]any{"id": id})
			} else {
				op = "withdraw"
				authed(t, e.url, e.editor, `mutation($id: ID!) { withdrawResource(id: $id, reason: "Superseded") { resource { id } } }`, map[string]any{"id": id})
			}
		}
		for _, each := range ids {
			r := authed(t, e.url, e.editor, scheduledQ, map[string]any{"id": each})
			if len(r.Errors) > 0 {
				t.Fatalf("step %d: %+v", step, r.Errors)
			}
			got := path(r.Data, "node", "editorial", "scheduled")
			want := row(each)
			if (got == nil) != (want == nil) || got != nil && fmt.Sprint(got) != want {
				t.Errorf("step %d (%s): scheduled = %v, PostgreSQL has %v", step, op, got, want)
			}
		}
	}
}

// mustNodeID decodes a resource's global id to its database id.
func mustNodeID(t *testing.T, id string) int64 {
	t.Helper()
	_, n, err := content.ParseGlobalID(id)
	if err != nil {
		t.Fatalf("global id %q: %v", id, err)
	}
	return n
}
