package main

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
	"guidancehub/internal/ingest"
)

// markov is a bigram model of real English text: the shipped resources and
// other English text on the machine (licence texts, release notes).
type markov struct {
	next  map[string][]string
	words []string
}

func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(strings.ToValidUTF8(s, " ")), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

func buildModel(resourcesDir string) (*markov, []int, error) {
	m := &markov{next: map[string][]string{}}
	var texts []string
	lib, err := ingest.Load(resourcesDir)
	if err != nil {
		return nil, nil, err
	}
	var bodyWords []int
	for _, f := range lib.Files {
		if f.Draft.Language == "en" {
			texts = append(texts, f.Draft.Title, f.Draft.Summary, f.Draft.Body)
			bodyWords = append(bodyWords, len(strings.Fields(f.Draft.Body)))
		}
	}
	for _, glob := range []string{"/usr/share/common-licenses/*", "/usr/share/doc/git/RelNotes/*.txt"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				texts = append(texts, string(b))
			}
		}
	}
	for _, t := range texts {
		ws := tokens(t)
		for i := 0; i+1 < len(ws); i++ {
			m.next[ws[i]] = append(m.next[ws[i]], ws[i+1])
		}
		m.words = append(m.words, ws...)
	}
	return m, bodyWords, nil
}

func (m *markov) sentence(rng *rand.Rand, n int) string {
	w := m.words[rng.Intn(len(m.words))]
	out := make([]string, 0, n)
	for len(out) < n {
		out = append(out, w)
		nexts := m.next[w]
		if len(nexts) == 0 {
			w = m.words[rng.Intn(len(m.words))]
		} else {
			w = nexts[rng.Intn(len(nexts))]
		}
	}
	rs := []rune(strings.Join(out, " "))
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}

// generate writes n published resources straight into PostgreSQL with COPY.
func generate(ctx context.Context, conn *pgx.Conn, m *markov, bodyWords []int, n int) error {
	rng := rand.New(rand.NewSource(42))
	kinds := []string{"GUIDANCE", "GUIDANCE", "RESEARCH_BRIEF", "POLICY_POSITION"}
	var topics []string
	for _, t := range content.Topics {
		topics = append(topics, t.Slug)
	}
	pick := func(list []string, k int) []string {
		out := []string{}
		for _, i := range rng.Perm(len(list))[:k] {
			out = append(out, list[i])
		}
		return out
	}
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	const chunk = 5000
	for base := 0; base < n; base += chunk {
		var res, rev [][]any
		for i := base; i < min(base+chunk, n); i++ {
			id := int64(i + 1)
			slug := fmt.Sprintf("bench-%06d", i)
			kind := kinds[rng.Intn(len(kinds))]
			pub := start.AddDate(0, 0, rng.Intn(4300))
			res = append(res, []any{id, slug, kind, "PUBLISHED", 1, 1})
			body := m.sentence(rng, bodyWords[rng.Intn(len(bodyWords))])
			rev = append(rev, []any{id, 1, kind, slug, m.sentence(rng, 6+rng.Intn(7)), m.sentence(rng, 25+rng.Intn(15)), body,
				pick(topics, 1+rng.Intn(3)), pick(content.Audiences, 1+rng.Intn(2)), pick(content.Nations, 1), "en", pub, pub, pub.AddDate(1, 0, 0)})
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"resources"}, []string{"id", "slug", "kind", "status", "latest_revision", "published_revision"}, pgx.CopyFromRows(res)); err != nil {
			return fmt.Errorf("copy resources: %w", err)
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"revisions"}, []string{"resource_id", "revision", "kind", "slug", "title", "summary", "body",
			"topics", "audiences", "nations", "language", "published_at", "last_reviewed", "next_review"}, pgx.CopyFromRows(rev)); err != nil {
			return fmt.Errorf("copy revisions: %w", err)
		}
	}
	_, err := conn.Exec(ctx, `UPDATE resources r SET published_at = v.published_at, title_key = lower(v.title)
		FROM revisions v WHERE v.resource_id = r.id AND v.revision = r.published_revision;
		SELECT setval(pg_get_serial_sequence('resources', 'id'), (SELECT max(id) FROM resources)); ANALYZE`)
	return err
}
