package postgres_test

import (
	"context"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestDeadlockIsRetriedThenConflict: an edit PostgreSQL cancels to break a
// deadlock is tried again, up to RunAttempts times; still deadlocked after
// them it answers CONFLICT ("try again"), never INTERNAL
// (TestTranslationRulesUnderRaces answered INTERNAL under load after three
// attempts). The deadlock errors are PostgreSQL's own (SQLSTATE 40P01).
func TestDeadlockIsRetriedThenConflict(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	for n := 0; n <= postgres.RunAttempts; n++ {
		attempts, err := postgres.RunWithDeadlocks(ctx, db, n)
		switch {
		case n < postgres.RunAttempts && (err != nil || attempts != n+1):
			t.Errorf("%d deadlocks: %d attempts, %v; want success on attempt %d", n, attempts, err, n+1)
		case n == postgres.RunAttempts && (content.ErrorCode(err) != content.ECONFLICT || attempts != n):
			t.Errorf("%d deadlocks: %d attempts, %v (code %s); want CONFLICT after %d", n, attempts, err, content.ErrorCode(err), n)
		}
	}
}
