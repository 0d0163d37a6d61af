package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
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
		if err := copyResources(ctx, conn, res, rev); err != nil {
			return err
		}
	}
	return finishLoad(ctx, conn)
}

// copyResources writes rows of resources and their revisions with COPY.
func copyResources(ctx context.Context, conn *pgx.Conn, res, rev [][]any) error {
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"resources"}, []string{"id", "slug", "kind", "status", "latest_revision", "published_revision"}, pgx.CopyFromRows(res)); err != nil {
		return fmt.Errorf("copy resources: %w", err)
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"revisions"}, []string{"resource_id", "revision", "kind", "slug", "title", "summary", "body",
		"topics", "audiences", "nations", "language", "published_at", "last_reviewed", "next_review"}, pgx.CopyFromRows(rev)); err != nil {
		return fmt.Errorf("copy revisions: %w", err)
	}
	return nil
}

// finishLoad fills the columns lists read and the id sequence after COPY.
func finishLoad(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, `UPDATE resources r SET published_at = v.published_at, title_key = lower(v.title)
		FROM revisions v WHERE v.resource_id = r.id AND v.revision = r.published_revision;
		SELECT setval(pg_get_serial_sequence('resources', 'id'), (SELECT max(id) FROM resources)); ANALYZE`)
	return err
}

// kitTopics maps the peer kit's topics onto the hub's, as the kit's
// hub_import.py does.
var kitTopics = map[string]string{
	"charging": "charging", "gp-registration": "gp-registration", "asylum-immigration": "asylum-refugees",
	"maternity": "maternity", "interpreting": "interpreting", "commissioning": "commissioning",
	"data-sharing": "data-sharing", "mental-health": "public-health", "safe-surgeries": "safe-surgeries",
	"public-health": "public-health", "destitution": "nrpf", "hospital-care": "urgent-care",
	"research": "evidence", "children-families": "children", "legal-rights": "confidentiality",
	"trafficking-exploitation": "exemptions",
}

var kitKinds = map[string]string{"guidance": "GUIDANCE", "research_brief": "RESEARCH_BRIEF", "policy_position": "POLICY_POSITION"}

// loadKit writes the first n records of the peer kit's corpus.jsonl into
// PostgreSQL with COPY as published resources: title, summary, body and
// publication date unchanged, kinds and topics mapped as the kit's
// hub_import.py maps them, audiences and nations picked from crc32(slug)
// as it does. Slugs are bench-NNNNNN (phases c and e look them up); the
// kit's one source per resource and its kinds' fixed sentences are left
// out (a few words per document). It returns the number loaded.
func loadKit(ctx context.Context, conn *pgx.Conn, path string, n int) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	others := []string{"scotland", "wales", "northern-ireland"}
	i := 0
	for i < n {
		var res, rev [][]any
		for ; i < n && len(res) < 5000 && sc.Scan(); i++ {
			var rec struct {
				Slug, Kind, Title, Summary, Body string
				Topics                           []string
				PublishedAt                      string `json:"published_at"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				return i, fmt.Errorf("%s:%d: %w", path, i+1, err)
			}
			pub, err := time.Parse("2006-01-02", rec.PublishedAt)
			if err != nil {
				return i, fmt.Errorf("%s:%d: %w", path, i+1, err)
			}
			var topics []string
			for _, t := range rec.Topics {
				if m := kitTopics[t]; m != "" && !slices.Contains(topics, m) {
					topics = append(topics, m)
				}
			}
			h := crc32.ChecksumIEEE([]byte(rec.Slug))
			aud := []string{content.Audiences[h%7]}
			if (h>>3)&1 == 1 {
				if s := content.Audiences[(h>>4)%7]; s != aud[0] {
					aud = append(aud, s)
				}
			}
			nations := []string{"england"}
			if (h>>8)%4 == 0 {
				nations = append(nations, others[(h>>10)%3])
			}
			id, slug, kind := int64(i+1), fmt.Sprintf("bench-%06d", i), kitKinds[rec.Kind]
			res = append(res, []any{id, slug, kind, "PUBLISHED", 1, 1})
			rev = append(rev, []any{id, 1, kind, slug, rec.Title, rec.Summary, rec.Body, topics, aud, nations, "en", pub, pub, pub.AddDate(1, 0, 0)})
		}
		if err := sc.Err(); err != nil {
			return i, err
		}
		if len(res) == 0 {
			break
		}
		if err := copyResources(ctx, conn, res, rev); err != nil {
			return i, err
		}
	}
	return i, finishLoad(ctx, conn)
}
