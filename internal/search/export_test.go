package search

import (
	"context"
	"path/filepath"
	"sort"

	"guidancehub/internal/content"
)

// SetSnapshotHook makes f run before each chunk of a snapshot is stored.
func SetSnapshotHook(s *Syncer, f func()) { s.snapshotHook = f }

// SetStoredMapping overwrites the mapping version recorded inside the live
// index, as an index built by another version of the hub would hold.
func SetStoredMapping(s *Syncer, v string) error {
	idx, done := s.current()
	defer done()
	return idx.SetInternal([]byte(keyMapping), []byte(v))
}

// ForceSnapshot writes a snapshot whether one is due or not.
func ForceSnapshot(ctx context.Context, s *Syncer) (*content.IndexSnapshot, error) {
	return s.writeSnapshot(ctx, true)
}

// LiveSegments returns the paths of the zap files the live index's current
// snapshot reads.
func LiveSegments(s *Syncer) []string {
	var out []string
	for name := range s.liveSegments() {
		out = append(out, filepath.Join(s.path, "store", name))
	}
	sort.Strings(out)
	return out
}

// RememberedSegments returns how many segment files the background check
// remembers as checked (it skips them while their size and mtime stay).
func RememberedSegments(s *Syncer) int {
	s.verify.mu.Lock()
	defer s.verify.mu.Unlock()
	return len(s.verify.checked)
}
