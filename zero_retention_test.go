package main

import (
	"context"
	"testing"
	"time"

	"guidancehub/internal/testdb"
)

// TestZeroResultRetentionOnAQuietHub is review6 R6: terms older than the
// 180-day retention were deleted only when another zero-result search was
// recorded, so on a quiet hub they stayed. A hub starting on a database
// holding an expired term deletes it without any search, and keeps a
// recent one.
func TestZeroResultRetentionOnAQuietHub(t *testing.T) {
	e := startEditorialHub(t)
	db := testdb.OpenDSN(t, e.dsn)
	ctx := context.Background()
	if _, err := db.Pool().Exec(ctx, `INSERT INTO zero_result_queries (term, count, last_seen) VALUES
		('expired term', 3, current_date - 181), ('recent term', 1, current_date - 10)`); err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	copyFixturesTo(t, e.dir, dir2)
	startHub(t, map[string]string{"DATABASE_URL": e.dsn, "HUB_RESOURCES_DIR": e.dir, "HUB_DATA_DIR": dir2})
	deadline := time.Now().Add(10 * time.Second)
	for {
		var expired, recent int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE term = 'expired term'), count(*) FILTER (WHERE term = 'recent term')
			FROM zero_result_queries`).Scan(&expired, &recent); err != nil {
			t.Fatal(err)
		}
		if recent != 1 {
			t.Fatalf("the recent term was deleted")
		}
		if expired == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired term is still there 10 s after a hub started")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
