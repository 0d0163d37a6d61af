package partner_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"guidancehub/internal/content"
)

// TestTopicFilteredEndpointsFollowTheHub is breaker5 F18: an endpoint
// filtered by topics must be told when a resource it was sent leaves its
// topics or is withdrawn, so that a partner following the hub by its
// events alone holds what the hub holds. Generated: 6 file resources go
// through 80 random steps (topics changed, withdrawn, restored with the
// same or other topics) under four endpoints (no filter, charging,
// interpreting, charging or gp-registration). The oracle is PostgreSQL:
// after fanning out every event, each endpoint's view of each resource
// (the last event it got: published or updated with one of its topics, or
// anything else) equals the resource's state (published, its live revision
// having one of the endpoint's topics); and no endpoint hears of a
// resource none of whose public revisions ever had one of its topics.
func TestTopicFilteredEndpointsFollowTheHub(t *testing.T) {
	db, _, w := setup(t, content.WebhookEndpointInput{})
	ctx := context.Background()
	filters := [][]string{nil, {"charging"}, {"interpreting"}, {"charging", "gp-registration"}}
	endpoints := []int64{}
	for i, f := range filters[1:] {
		e, _, err := w.Register(ctx, content.WebhookEndpointInput{URL: fmt.Sprintf("http://127.0.0.1:1/f%d", i), Topics: f}, "t")
		if err != nil {
			t.Fatal(err)
		}
		endpoints = append(endpoints, e.ID)
	}
	var first int64
	db.Pool().QueryRow(ctx, `SELECT min(id) FROM webhook_endpoints`).Scan(&first)
	endpoints = append([]int64{first}, endpoints...)

	topics := []string{"charging", "interpreting", "gp-registration"}
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	file := func(i, v int, ts []string) content.FileImport {
		slug := fmt.Sprintf("move-%d", i)
		return content.FileImport{Path: "/hooks/" + slug + ".md", Hash: fmt.Sprintf("%s-%d", slug, v), Status: content.StatusPublished,
			Draft: content.Draft{Kind: content.KindGuidance, Slug: slug, Title: "Title " + slug, Summary: "S", Body: "B",
				Topics: ts, Audiences: []string{"COMMISSIONERS"}, Nations: []string{"ENGLAND"}, Language: "en",
				PublishedAt: &day, LastReviewedAt: &day, NextReviewDue: &day, Sources: []content.Source{{Title: "S", URL: "https://example.org/"}}}}
	}
	r := rand.New(rand.NewPCG(3, 18))
	pick := func() []string {
		var ts []string
		for len(ts) == 0 {
			for _, tp := range topics {
				if r.IntN(3) == 0 {
					ts = append(ts, tp)
				}
			}
		}
		return ts
	}
	const n = 6
	live := make([]bool, n)
	version := make([]int, n)
	files := make([]content.FileImport, n)
	for i := range n {
		files[i] = file(i, 0, pick())
		live[i] = true
	}
	if _, err := db.ImportFiles(ctx, files, content.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for step := 0; step < 80; step++ {
		i := r.IntN(n)
		switch {
		case live[i] && r.IntN(4) == 0: // withdraw: its file goes
			live[i] = false
			var present []string
			for j := range n {
				if live[j] {
					present = append(present, files[j].Path)
				}
			}
			if _, err := db.ImportFiles(ctx, nil, content.ImportOptions{Prune: true, PruneDir: "/hooks", Present: present, ForcePrune: true}); err != nil {
				t.Fatal(err)
			}
		default: // topics changed (or restored, with the same or other topics)
			if live[i] || r.IntN(2) == 0 {
				version[i]++
				files[i] = file(i, version[i], pick())
			}
			live[i] = true
			if _, err := db.ImportFiles(ctx, []content.FileImport{files[i]}, content.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for {
		k, err := db.FanOutChanges(ctx, 1000, func(ev content.ChangeEvent) (string, string, []byte, error) {
			return "resource." + string(ev.Action), fmt.Sprintf("msg_%d_%d_%d_%s", ev.Seq, ev.ResourceID, ev.Revision, ev.Action), []byte(`{}`), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			break
		}
	}
	revTopics := func(id int64, rev int) []string {
		var ts []string
		if err := db.Pool().QueryRow(ctx, `SELECT topics FROM revisions WHERE resource_id = $1 AND revision = $2`, id, rev).Scan(&ts); err != nil {
			t.Fatal(err)
		}
		return ts
	}
	matches := func(filter, ts []string) bool {
		if filter == nil {
			return true
		}
		for _, x := range ts {
			if slices.Contains(filter, x) {
				return true
			}
		}
		return false
	}
	type state struct {
		id      int64
		slug    string
		inTopic map[int]bool // endpoint index → the live revision matches
	}
	var res []state
	rows, _ := db.Pool().Query(ctx, `SELECT id, slug, status, coalesce(published_revision, 0) FROM resources ORDER BY id`)
	for rows.Next() {
		var s state
		var status string
		var rev int
		rows.Scan(&s.id, &s.slug, &status, &rev)
		s.inTopic = map[int]bool{}
		res = append(res, s)
		if status == "PUBLISHED" {
			ts := revTopics(s.id, rev)
			for k, f := range filters {
				s.inTopic[k] = matches(f, ts)
			}
		}
	}
	rows.Close()
	everMatched := func(k int, id int64) bool {
		var revs []int
		db.Pool().QueryRow(ctx, `SELECT array_agg(revision) FROM changes WHERE resource_id = $1 AND action IN ('PUBLISHED', 'UPDATED')`, id).Scan(&revs)
		for _, rv := range revs {
			if matches(filters[k], revTopics(id, rv)) {
				return true
			}
		}
		return false
	}
	deliveries := 0
	for k, ep := range endpoints {
		view := map[int64]bool{}
		rows, _ := db.Pool().Query(ctx, `SELECT msg_id FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id`, ep)
		var msgs []string
		for rows.Next() {
			var m string
			rows.Scan(&m)
			msgs = append(msgs, m)
		}
		rows.Close()
		for _, m := range msgs {
			var seq, id int64
			var action string
			var rev int
			if _, err := fmt.Sscanf(m, "msg_%d_%d_%d_%s", &seq, &id, &rev, &action); err != nil {
				t.Fatal(m, err)
			}
			view[id] = action != "WITHDRAWN" && matches(filters[k], revTopics(id, rev))
			if !everMatched(k, id) {
				t.Errorf("endpoint %v heard of resource %d, which never had one of its topics", filters[k], id)
			}
			deliveries++
		}
		for _, s := range res {
			if view[s.id] != s.inTopic[k] {
				t.Errorf("endpoint %v: its events say %s is in its topics: %v; PostgreSQL says %v", filters[k], s.slug, view[s.id], s.inTopic[k])
			}
		}
	}
	if deliveries == 0 {
		t.Fatal("no deliveries: the test checked nothing")
	}
}
