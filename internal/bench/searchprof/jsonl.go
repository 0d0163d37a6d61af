package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"time"

	"guidancehub/internal/content"
)

// jsonlStore is a search.Store over the peer kit's corpus.jsonl held in
// memory, so the index can be built and searched without PostgreSQL.
type jsonlStore struct{ rs []*content.Resource }

var kinds = map[string]content.Kind{"guidance": content.KindGuidance, "research_brief": content.KindResearchBrief, "policy_position": content.KindPolicyPosition}

func loadJSONL(path string) (*jsonlStore, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	s := &jsonlStore{}
	for sc.Scan() {
		var rec struct {
			Slug, Kind, Title, Summary, Body string
			Topics                           []string
			PublishedAt                      string `json:"published_at"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, err
		}
		pub, _ := time.Parse("2006-01-02", rec.PublishedAt)
		r := &content.Resource{ID: int64(len(s.rs) + 1), Revision: 1, Status: content.StatusPublished}
		r.Slug, r.Kind, r.Title, r.Summary, r.Body, r.Topics = rec.Slug, kinds[rec.Kind], rec.Title, rec.Summary, rec.Body, rec.Topics
		r.Audiences, r.Nations, r.Language, r.PublishedAt = []string{"commissioners"}, []string{"england"}, "en", &pub
		s.rs = append(s.rs, r)
	}
	return s, sc.Err()
}

func (s *jsonlStore) ChangesSince(ctx context.Context, w uint64) ([]content.Change, uint64, error) {
	return nil, 1, nil
}
func (s *jsonlStore) ResourcesByID(ctx context.Context, ids []int64, omit content.Part) ([]*content.Resource, error) {
	var out []*content.Resource
	for _, id := range ids {
		out = append(out, s.rs[id-1])
	}
	return out, nil
}
func (s *jsonlStore) ScanPublished(ctx context.Context, batch int, fn func([]*content.Resource) error) (uint64, error) {
	for i := 0; i < len(s.rs); i += batch {
		if err := fn(s.rs[i:min(i+batch, len(s.rs))]); err != nil {
			return 0, err
		}
	}
	return 1, nil
}
func (s *jsonlStore) CountPublished(ctx context.Context) (int, error)         { return len(s.rs), nil }
func (s *jsonlStore) LatestReindexRequest(ctx context.Context) (int64, error) { return 0, nil }
