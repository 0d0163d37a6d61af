package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
)

// PrunedReason is the withdrawal reason of a resource whose file was removed.
const PrunedReason = "Its source file was removed from the library."

// ImportFiles writes parsed files to the store in one import session: new
// slugs are created, changed files make a new revision, unchanged files do
// nothing. Every change becomes public in one transaction at the end.
// Imports are serialised by an advisory lock, so replicas importing at
// start-up together do not race.
func (db *DB) ImportFiles(ctx context.Context, files []content.FileImport, opts content.ImportOptions) ([]content.ImportResult, error) {
	for _, f := range files {
		opts.Present = append(opts.Present, f.Path)
	}
	s, err := db.BeginImport(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	results, err := s.Stage(ctx, files)
	if err != nil {
		return nil, err
	}
	var keep []int64
	at := map[int64]int{}
	for i, r := range results {
		if r.Action == "staged" {
			keep = append(keep, r.ID)
			at[r.ID] = i
		}
	}
	var defined []content.Defined
	for i, r := range results {
		if r.Err == nil {
			defined = append(defined, content.Defined{Path: files[i].Path, Slug: files[i].Draft.Slug})
		}
	}
	err = s.Commit(ctx, keep, defined, func(r content.ImportResult) {
		if i, ok := at[r.ID]; ok && r.Err == nil {
			results[i].Action = r.Action
		} else {
			results = append(results, r)
		}
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// importSession is an import in batches on one connection that holds the
// import lock (a session advisory lock: a killed importer's connection
// closes and PostgreSQL releases it).
type importSession struct {
	conn *pgx.Conn
	pool interface {
		Begin(ctx context.Context) (pgx.Tx, error)
	}
	opts content.ImportOptions
}

// BeginImport takes a connection out of the pool for the import and waits
// for the import lock (as long as another import holds it).
func (db *DB) BeginImport(ctx context.Context, opts content.ImportOptions) (content.ImportSession, error) {
	pc, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", domainError(err))
	}
	conn := pc.Hijack()
	// The lock waits as long as another import runs; a batch's statements
	// (a COPY of up to 16 MiB) get a minute each; the commit has no limit.
	for _, q := range []string{`SET statement_timeout = 0`, `SELECT pg_advisory_lock(` + fmt.Sprint(lockImport) + `)`, `SET statement_timeout = '60s'`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			conn.Close(context.Background())
			return nil, fmt.Errorf("import: %w", domainError(err))
		}
	}
	return &importSession{conn: conn, pool: db.pool, opts: opts}, nil
}

// Close releases the lock by closing the connection.
func (s *importSession) Close() { s.conn.Close(context.Background()) }

// Lookup returns the stored state of the slugs.
func (s *importSession) Lookup(ctx context.Context, slugs []string) ([]content.StoredFile, error) {
	rows, _ := s.conn.Query(ctx, `SELECT r.id, r.slug, coalesce(r.origin, ''), coalesce(r.content_hash, ''), r.status,
		coalesce(v.language, ''), coalesce(v.translation_of, ''), coalesce(g.path, ''), coalesce(g.hash, ''),
		coalesce(tr.slugs, '{}'), coalesce(tr.langs, '{}'), coalesce(tr.origins, '{}')
		FROM resources r LEFT JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision
		LEFT JOIN import_staging g ON g.resource_id = r.id
		LEFT JOIN LATERAL (SELECT array_agg(t.slug ORDER BY t.slug) AS slugs, array_agg(tv.language ORDER BY t.slug) AS langs,
				array_agg(coalesce(t.origin, '') ORDER BY t.slug) AS origins
			FROM revisions tv JOIN resources t ON t.id = tv.resource_id AND tv.revision = t.published_revision
			WHERE tv.translation_of = r.slug AND t.status = 'PUBLISHED') tr ON true
		WHERE r.slug = ANY($1)`, slugs)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (content.StoredFile, error) {
		var (
			f                      content.StoredFile
			tSlugs, tLangs, tOrigs []string
		)
		err := row.Scan(&f.ID, &f.Slug, &f.Origin, &f.Hash, &f.Status, &f.Language, &f.TranslationOf, &f.StagedPath, &f.StagedHash,
			&tSlugs, &tLangs, &tOrigs)
		for i := range tSlugs {
			f.Translations = append(f.Translations, content.StoredTranslation{Slug: tSlugs[i], Language: tLangs[i], Origin: tOrigs[i]})
		}
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("import: look up slugs: %w", domainError(err))
	}
	return out, nil
}

// stored is a resource row locked by a batch, with its staging row if any.
type stored struct {
	id                int64
	kind              content.Kind
	status            content.Status
	origin, hash      *string
	latest            int
	published         *int
	stagedRev         *int
	stagedPath        *string
	stagedHash        *string
	created, stagedNR bool
}

// stageRow is one import_staging row.
type stageRow struct {
	id                    int64
	rev                   int
	path, hash, kind      string
	publish, created, new bool
}

// Stage writes one batch of files in one transaction: new resources as
// drafts, new revisions behind the published one, and a staging row per
// file that Commit makes public. Files already staged with the same bytes
// are not written again. Several batches may be staged at once if no two
// of them share a slug.
func (s *importSession) Stage(ctx context.Context, files []content.FileImport) ([]content.ImportResult, error) {
	results := make([]content.ImportResult, len(files))
	// On a pool connection, so that batches (which never share a slug) may
	// be staged side by side; the session's connection keeps the lock.
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = '60s'`); err != nil {
			return err
		}
		slugs := make([]string, len(files))
		for i := range files {
			f := &files[i]
			slugs[i] = f.Draft.Slug
			results[i] = content.ImportResult{Slug: f.Draft.Slug, Path: f.Path}
		}
		rows, _ := tx.Query(ctx, `SELECT r.slug, r.id, r.kind, r.status, r.origin, r.content_hash, r.latest_revision, r.published_revision,
			g.revision, g.path, g.hash, coalesce(g.created, false), coalesce(g.new_revision, false)
			FROM resources r LEFT JOIN import_staging g ON g.resource_id = r.id
			WHERE r.slug = ANY($1) ORDER BY r.id FOR UPDATE OF r`, slugs)
		have := map[string]*stored{}
		var slug string
		var e stored
		_, err := pgx.ForEachRow(rows, []any{&slug, &e.id, &e.kind, &e.status, &e.origin, &e.hash, &e.latest, &e.published,
			&e.stagedRev, &e.stagedPath, &e.stagedHash, &e.created, &e.stagedNR}, func() error {
			c := e
			have[slug] = &c
			return nil
		})
		if err != nil {
			return err
		}

		var (
			create     []int // files with new slugs
			revise     []int // files that get a new revision (index into files)
			revOf      = map[int]int{}
			stage      []stageRow
			dropRev    [][2]int64        // stale staged revisions (resource id, revision)
			dropStage  []int64           // stale staging rows no longer wanted
			latest     = map[int64]int{} // resource id → its latest revision now
			seenInThis = map[string]string{}
		)
		for i := range files {
			f := &files[i]
			res := &results[i]
			if other, dup := seenInThis[f.Draft.Slug]; dup {
				res.Err = &content.Error{Code: content.ECONFLICT, Field: "slug", Message: fmt.Sprintf("slug %q is also used by %s", f.Draft.Slug, other)}
				continue
			}
			seenInThis[f.Draft.Slug] = f.Path
			e, ok := have[f.Draft.Slug]
			if !ok {
				create = append(create, i)
				continue
			}
			res.ID = e.id
			if e.stagedHash != nil {
				if *e.stagedHash == f.Hash && *e.stagedPath == f.Path {
					res.Action = "staged" // by an interrupted import: resume
					continue
				}
				// Staged by an interrupted import from other bytes: undo it.
				if e.stagedNR {
					dropRev = append(dropRev, [2]int64{e.id, int64(*e.stagedRev)})
					e.latest = *e.stagedRev - 1
					latest[e.id] = e.latest
				}
				dropStage = append(dropStage, e.id)
			}
			switch {
			case e.origin == nil:
				res.ID, res.Err = 0, &content.Error{Code: content.ECONFLICT, Field: "slug",
					Message: fmt.Sprintf("slug %q belongs to a resource made through the API; choose another slug", f.Draft.Slug)}
				continue
			case !e.created && *e.origin != f.Path && (s.opts.OriginOwns == nil || s.opts.OriginOwns(*e.origin, f.Draft.Slug)):
				res.ID, res.Err = 0, &content.Error{Code: content.ECONFLICT, Field: "slug",
					Message: fmt.Sprintf("slug %q is already owned by %s", f.Draft.Slug, *e.origin)}
				continue
			case e.published != nil && e.kind != f.Draft.Kind:
				// The API's rule (UpdateResource): partners key on a
				// published resource's kind (__typename, kind filters).
				res.ID, res.Err = 0, KindChangeError(e.kind, f.Draft.Kind)
				continue
			}
			publish := f.Status == content.StatusPublished
			row := stageRow{id: e.id, path: f.Path, hash: f.Hash, kind: string(f.Draft.Kind), publish: publish, created: e.created}
			if e.hash != nil && *e.hash == f.Hash {
				moved := *e.origin != f.Path
				restore := e.status == content.StatusWithdrawn && publish && e.published != nil
				if !moved && !restore {
					res.Action = "unchanged"
					continue
				}
				row.rev = e.latest
				if e.published != nil {
					row.rev = *e.published
				}
				stage = append(stage, row)
				res.Action = "staged"
				continue
			}
			row.rev, row.new = e.latest+1, true
			stage = append(stage, row)
			revise = append(revise, i)
			revOf[i] = row.rev
			latest[e.id] = row.rev
			res.Action = "staged"
		}

		if len(dropRev) > 0 {
			ids, revs := split2(dropRev)
			if _, err := tx.Exec(ctx, `DELETE FROM revisions v USING unnest($1::bigint[], $2::int[]) AS d(id, rev)
				WHERE v.resource_id = d.id AND v.revision = d.rev`, ids, revs); err != nil {
				return err
			}
		}
		if len(dropStage) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM import_staging WHERE resource_id = ANY($1)`, dropStage); err != nil {
				return err
			}
		}
		if len(create) > 0 {
			n := len(create)
			cs, ck, cp := make([]string, n), make([]string, n), make([]string, n)
			for j, i := range create {
				cs[j], ck[j], cp[j] = files[i].Draft.Slug, string(files[i].Draft.Kind), files[i].Path
			}
			rows, _ := tx.Query(ctx, `INSERT INTO resources (slug, kind, status, origin, latest_revision)
				SELECT slug, kind, 'DRAFT', path, 1 FROM unnest($1::text[], $2::text[], $3::text[]) AS n(slug, kind, path)
				RETURNING id, slug`, cs, ck, cp)
			ids := map[string]int64{}
			var id int64
			var slug string
			if _, err := pgx.ForEachRow(rows, []any{&id, &slug}, func() error { ids[slug] = id; return nil }); err != nil {
				return err
			}
			for _, i := range create {
				f := &files[i]
				results[i].ID, results[i].Action = ids[f.Draft.Slug], "staged"
				stage = append(stage, stageRow{id: ids[f.Draft.Slug], rev: 1, path: f.Path, hash: f.Hash, kind: string(f.Draft.Kind),
					publish: f.Status == content.StatusPublished, created: true, new: true})
				revise = append(revise, i)
				revOf[i] = 1
			}
		}
		if len(revise) > 0 {
			src := make([][]any, 0, len(revise))
			for _, i := range revise {
				row, err := revisionRow(results[i].ID, revOf[i], &files[i].Draft, &files[i].Path, &files[i].Hash, files[i].Path)
				if err != nil {
					return err
				}
				src = append(src, row)
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"revisions"}, revisionColumns, pgx.CopyFromRows(src)); err != nil {
				return err
			}
		}
		if len(latest) > 0 {
			var pairs [][2]int64
			for id, rev := range latest {
				pairs = append(pairs, [2]int64{id, int64(rev)})
			}
			ids, revs := split2(pairs)
			if _, err := tx.Exec(ctx, `UPDATE resources r SET latest_revision = u.rev
				FROM unnest($1::bigint[], $2::int[]) AS u(id, rev) WHERE r.id = u.id`, ids, revs); err != nil {
				return err
			}
		}
		if len(stage) > 0 {
			n := len(stage)
			ids, revs := make([]int64, n), make([]int32, n)
			paths, hashes, kinds := make([]string, n), make([]string, n), make([]string, n)
			pub, cr, nr := make([]bool, n), make([]bool, n), make([]bool, n)
			for j, r := range stage {
				ids[j], revs[j], paths[j], hashes[j], kinds[j], pub[j], cr[j], nr[j] = r.id, int32(r.rev), r.path, r.hash, r.kind, r.publish, r.created, r.new
			}
			if _, err := tx.Exec(ctx, `INSERT INTO import_staging (resource_id, revision, path, hash, kind, publish, created, new_revision)
				SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::bool[], $8::bool[])
				ON CONFLICT (resource_id) DO UPDATE SET revision = excluded.revision, path = excluded.path, hash = excluded.hash,
					kind = excluded.kind, publish = excluded.publish, created = excluded.created,
					new_revision = excluded.new_revision, staged_at = now()`,
				ids, revs, paths, hashes, kinds, pub, cr, nr); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import: stage: %w", domainError(err))
	}
	return results, nil
}

func split2(pairs [][2]int64) ([]int64, []int32) {
	a, b := make([]int64, len(pairs)), make([]int32, len(pairs))
	for i, p := range pairs {
		a[i], b[i] = p[0], int32(p[1])
	}
	return a, b
}

// Commit publishes the kept staged rows, discards stale ones under
// PruneDir, prunes, and notifies the change channel, in one transaction.
func (s *importSession) Commit(ctx context.Context, keep []int64, defined []content.Defined, each func(content.ImportResult)) error {
	if each == nil {
		each = func(content.ImportResult) {}
	}
	dir := filepath.Clean(s.opts.PruneDir)
	under := strings.TrimSuffix(dir, "/") + "/"
	err := pgx.BeginFunc(ctx, s.conn, func(tx pgx.Tx) error {
		// One import's commit may write 100,000 rows.
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_keep (resource_id bigint PRIMARY KEY) ON COMMIT DROP`); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_keep"}, []string{"resource_id"}, pgx.CopyFromSlice(len(keep), func(i int) ([]any, error) {
			return []any{keep[i]}, nil
		})); err != nil {
			return err
		}
		// A temporary table has no statistics until analysed: without them
		// the joins below may be planned for a handful of rows.
		if _, err := tx.Exec(ctx, `ANALYZE import_keep`); err != nil {
			return err
		}
		if s.opts.PruneDir != "" {
			if err := discardStale(ctx, tx, dir, under); err != nil {
				return err
			}
		}
		changed := false
		rows, _ := tx.Query(ctx, publishStaged)
		var r content.ImportResult
		if _, err := pgx.ForEachRow(rows, []any{&r.ID, &r.Slug, &r.Path, &r.Action}, func() error {
			changed = true
			each(r)
			return nil
		}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM import_staging g USING import_keep k WHERE g.resource_id = k.resource_id`); err != nil {
			return err
		}
		n, err := withdrawUnfiled(ctx, tx, &s.opts, dir, under, defined, each)
		if err != nil {
			return err
		}
		changed = changed || n > 0
		if changed {
			if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, ChangeChannel); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import: commit: %w", domainError(err))
	}
	return nil
}

// publishStaged makes the kept staged rows what the resources are: their
// file, hash and kind, and (for published files) their live revision and
// listing keys, then writes one change-log row per public-relevant change
// (content.PublicAction in SQL) and returns what happened to each.
const publishStaged = `WITH g AS (
	SELECT g.resource_id, g.revision, g.path, g.hash, g.kind, g.publish, g.created, g.new_revision,
		r.status AS before, v.published_at, lower(v.title) AS title_key
	FROM import_staging g JOIN import_keep k ON k.resource_id = g.resource_id
	JOIN resources r ON r.id = g.resource_id
	JOIN revisions v ON v.resource_id = g.resource_id AND v.revision = g.revision
), u AS (
	UPDATE resources r SET kind = g.kind, origin = g.path, content_hash = g.hash,
		published_revision = CASE WHEN g.publish THEN g.revision ELSE r.published_revision END,
		status = CASE WHEN g.publish THEN 'PUBLISHED' ELSE r.status END,
		withdrawn_reason = CASE WHEN g.publish THEN NULL ELSE r.withdrawn_reason END,
		withdrawn_at = CASE WHEN g.publish THEN NULL ELSE r.withdrawn_at END,
		updated_at = CASE WHEN g.publish AND (g.new_revision OR g.before = 'WITHDRAWN') THEN now() ELSE r.updated_at END,
		published_at = CASE WHEN g.publish THEN g.published_at ELSE r.published_at END,
		title_key = CASE WHEN g.publish THEN g.title_key ELSE r.title_key END
	FROM g WHERE r.id = g.resource_id
	RETURNING r.id, r.slug, g.path, g.before, r.status AS after, g.publish, g.new_revision, g.revision,
		CASE WHEN g.created THEN 'created' WHEN g.publish AND g.before = 'WITHDRAWN' THEN 'restored'
			WHEN g.new_revision THEN 'updated' ELSE 'moved' END AS action
), c AS (
	INSERT INTO changes (resource_id, revision, action)
	SELECT id, revision, CASE WHEN after = 'PUBLISHED' AND before <> 'PUBLISHED' THEN 'PUBLISHED'
		WHEN after = 'PUBLISHED' AND publish THEN 'UPDATED' ELSE 'DRAFT' END
	FROM u WHERE new_revision OR (publish AND before = 'WITHDRAWN') ORDER BY id
)
SELECT id, slug, path, action FROM u`

// discardStale undoes the staged rows under dir that this import did not
// keep (left by an interrupted import; their files changed or are gone):
// their revisions are deleted, and resources that only staging had made.
func discardStale(ctx context.Context, tx pgx.Tx, dir, under string) error {
	rows, _ := tx.Query(ctx, `DELETE FROM import_staging g WHERE (g.path = $1 OR starts_with(g.path, $2))
		AND NOT EXISTS (SELECT 1 FROM import_keep k WHERE k.resource_id = g.resource_id)
		RETURNING g.resource_id, g.revision, g.created, g.new_revision`, dir, under)
	var (
		id              int64
		rev             int
		created, newRev bool
		drop            [][2]int64
		gone            []int64
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &rev, &created, &newRev}, func() error {
		if newRev {
			drop = append(drop, [2]int64{id, int64(rev)})
		}
		if created {
			gone = append(gone, id)
		}
		return nil
	}); err != nil || len(drop) == 0 {
		return err
	}
	ids, revs := split2(drop)
	if _, err := tx.Exec(ctx, `DELETE FROM revisions v USING unnest($1::bigint[], $2::int[]) AS d(id, rev)
		WHERE v.resource_id = d.id AND v.revision = d.rev`, ids, revs); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM resources WHERE id = ANY($1)`, nonNil(gone)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE resources r SET latest_revision = d.rev - 1
		FROM unnest($1::bigint[], $2::int[]) AS d(id, rev) WHERE r.id = d.id AND r.id <> ALL($3)`, ids, revs, nonNil(gone))
	return err
}

// revisionColumns are the columns of a revision written by an import.
var revisionColumns = []string{"resource_id", "revision", "kind", "slug", "title", "summary", "body", "topics", "audiences",
	"nations", "language", "translation_of", "translation_status", "published_at", "last_reviewed", "next_review",
	"sources", "related", "details", "origin", "content_hash", "author"}

// revisionRow is a full snapshot of a draft as revision rev, in the order
// of revisionColumns.
func revisionRow(id int64, rev int, d *content.Draft, origin, hash *string, author string) ([]any, error) {
	sources, err := json.Marshal(nonNil(d.Sources))
	if err != nil {
		return nil, err
	}
	details, err := json.Marshal(d.Details)
	if err != nil {
		return nil, err
	}
	var translationOf, translationStatus *string
	if d.TranslationOf != "" {
		translationOf, translationStatus = &d.TranslationOf, &d.TranslationStatus
	}
	return []any{id, rev, d.Kind, d.Slug, d.Title, d.Summary, d.Body, distinct(d.Topics), distinct(d.Audiences), distinct(d.Nations),
		d.Language, translationOf, translationStatus, d.PublishedAt, d.LastReviewedAt, d.NextReviewDue, sources, distinct(d.Related),
		details, origin, hash, author}, nil
}

// writeRevision inserts a full snapshot of a draft as revision rev.
func writeRevision(ctx context.Context, tx pgx.Tx, id int64, rev int, d *content.Draft, origin, hash *string, author string) error {
	row, err := revisionRow(id, rev, d, origin, hash, author)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO revisions (`+strings.Join(revisionColumns, ", ")+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`, row...)
	return err
}

// recordChange writes the change-log row of an edit, in its transaction.
// rev is the revision the public sees after a public action, or the new
// draft revision for ActionDraft.
func recordChange(ctx context.Context, tx pgx.Tx, id int64, rev int, action content.ChangeAction) error {
	_, err := tx.Exec(ctx, `INSERT INTO changes (resource_id, revision, action) VALUES ($1, $2, $3)`, id, rev, action)
	return err
}

// UnfiledReason is the withdrawal reason of a resource whose file now
// defines another slug (a renamed slug, files merged into one).
const UnfiledReason = "Its source file now holds another resource."

// KindChangeError is the error for a published resource given another
// kind: the API and the importer share it.
func KindChangeError(was, now content.Kind) *content.Error {
	return &content.Error{Code: content.EINVALID, Field: "kind", Message: fmt.Sprintf(
		"cannot change once published (the resource is %s, the file says %s): give the file a new slug, and the old resource is withdrawn",
		fileKind(was), fileKind(now))}
}

// fileKind spells a kind as resource files do: research-brief.
func fileKind(k content.Kind) string {
	return strings.ReplaceAll(strings.ToLower(string(k)), "_", "-")
}

// withdrawUnfiled withdraws, with a change-log row each, the file-origin
// resources that no longer have a file: those whose recorded file is
// among defined but names another slug there, and with Prune those
// recorded under dir whose files are not present. A prune that would
// withdraw more than half of the resources recorded under dir is skipped
// and reported (unless ForcePrune). A resource that a published resource
// staying published still links to (translation_of, related, a body link
// /resources/slug) is kept and reported, so no withdrawal leaves a
// published link to what the public cannot see.
func withdrawUnfiled(ctx context.Context, tx pgx.Tx, opts *content.ImportOptions, dir, under string, defined []content.Defined, each func(content.ImportResult)) (int, error) {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_withdraw (id bigint PRIMARY KEY, reason text NOT NULL, note text NOT NULL) ON COMMIT DROP`); err != nil {
		return 0, err
	}
	if len(defined) > 0 {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_defined (path text PRIMARY KEY, slug text NOT NULL) ON COMMIT DROP`); err != nil {
			return 0, err
		}
		seen := make(map[string]bool, len(defined))
		uniq := defined[:0:0]
		for _, d := range defined {
			if !seen[d.Path] {
				seen[d.Path] = true
				uniq = append(uniq, d)
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_defined"}, []string{"path", "slug"}, pgx.CopyFromSlice(len(uniq), func(i int) ([]any, error) {
			return []any{uniq[i].Path, uniq[i].Slug}, nil
		})); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `ANALYZE import_defined`); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO import_withdraw (id, reason, note)
			SELECT r.id, $1, 'file now defines ' || d.slug FROM resources r JOIN import_defined d ON d.path = r.origin
			WHERE r.slug <> d.slug AND r.status <> 'WITHDRAWN'`, UnfiledReason); err != nil {
			return 0, err
		}
	}
	if opts.Prune {
		if err := pruneCandidates(ctx, tx, opts, dir, under, each); err != nil {
			return 0, err
		}
	}
	// Keep what published resources staying published link to, until no
	// more are kept (a kept resource keeps what it links to).
	for {
		var some bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM import_withdraw w JOIN resources t ON t.id = w.id AND t.status = 'PUBLISHED')`).Scan(&some); err != nil {
			return 0, err
		}
		if !some {
			break
		}
		rows, _ := tx.Query(ctx, `WITH live AS (
			SELECT r.slug, v.translation_of, v.related, v.body FROM resources r
			JOIN revisions v ON v.resource_id = r.id AND v.revision = r.published_revision
			WHERE r.status = 'PUBLISHED' AND NOT EXISTS (SELECT 1 FROM import_withdraw w WHERE w.id = r.id)
		), links AS (
			SELECT slug, translation_of AS target FROM live WHERE translation_of IS NOT NULL
			UNION ALL SELECT slug, unnest(related) FROM live
			UNION ALL SELECT slug, (regexp_matches(body, $1, 'g'))[1] FROM live
		)
		SELECT t.id, t.slug, coalesce(t.origin, ''), string_agg(DISTINCT l.slug, ', ' ORDER BY l.slug)
		FROM import_withdraw w JOIN resources t ON t.id = w.id AND t.status = 'PUBLISHED'
		JOIN links l ON l.target = t.slug
		GROUP BY t.id, t.slug, t.origin ORDER BY t.origin, t.slug`, content.ResourceLinkPattern)
		var held []int64
		var r content.ImportResult
		var by string
		if _, err := pgx.ForEachRow(rows, []any{&r.ID, &r.Slug, &r.Path, &by}, func() error {
			held = append(held, r.ID)
			each(content.ImportResult{Slug: r.Slug, Path: r.Path, Err: &content.Error{Code: content.ECONFLICT, Field: "slug", Message: fmt.Sprintf(
				"%s is not withdrawn: published resources still link to it (%s); withdraw or change them too", r.Slug, by)}})
			return nil
		}); err != nil {
			return 0, err
		}
		if len(held) == 0 {
			break
		}
		if _, err := tx.Exec(ctx, `DELETE FROM import_withdraw WHERE id = ANY($1)`, held); err != nil {
			return 0, err
		}
	}
	rows, _ := tx.Query(ctx, `WITH old AS (
		SELECT r.id, r.status, w.reason, w.note FROM resources r JOIN import_withdraw w ON w.id = r.id
		FOR UPDATE OF r
	), u AS (
		UPDATE resources r SET status = 'WITHDRAWN', withdrawn_reason = old.reason, withdrawn_at = now(), updated_at = now()
		FROM old WHERE r.id = old.id
		RETURNING r.id, r.slug, r.origin, coalesce(r.published_revision, r.latest_revision) AS rev, old.status AS before, old.note
	), c AS (
		INSERT INTO changes (resource_id, revision, action)
		SELECT id, rev, CASE WHEN before = 'PUBLISHED' THEN 'WITHDRAWN' ELSE 'DRAFT' END FROM u ORDER BY origin, slug
	)
	SELECT id, slug, origin, note FROM u ORDER BY origin, slug`)
	n := 0
	var r content.ImportResult
	r.Action = "withdrawn"
	_, err := pgx.ForEachRow(rows, []any{&r.ID, &r.Slug, &r.Path, &r.Note}, func() error {
		n++
		each(r)
		return nil
	})
	return n, err
}

// massPrune is the least number of missing files that, when they are more
// than half of the resources recorded under a directory, make a prune
// refuse without ForcePrune (as all of them do, however few).
const massPrune = 10

// pruneCandidates adds to import_withdraw the file-origin resources
// recorded under dir whose files are not present, unless they are all of
// those recorded there, or more than half and at least massPrune, and
// opts.ForcePrune is off.
func pruneCandidates(ctx context.Context, tx pgx.Tx, opts *content.ImportOptions, dir, under string, each func(content.ImportResult)) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_present (path text PRIMARY KEY) ON COMMIT DROP`); err != nil {
		return err
	}
	seen := make(map[string]bool, len(opts.Present))
	uniq := opts.Present[:0:0]
	for _, p := range opts.Present {
		if !seen[p] {
			seen[p] = true
			uniq = append(uniq, p)
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_present"}, []string{"path"}, pgx.CopyFromSlice(len(uniq), func(i int) ([]any, error) {
		return []any{uniq[i]}, nil
	})); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `ANALYZE import_present`); err != nil {
		return err
	}
	var gone, recorded int
	if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM import_present p WHERE p.path = r.origin)), count(*)
		FROM resources r WHERE r.origin IS NOT NULL AND r.status <> 'WITHDRAWN' AND (r.origin = $1 OR starts_with(r.origin, $2))
			AND NOT EXISTS (SELECT 1 FROM import_withdraw w WHERE w.id = r.id)`, dir, under).Scan(&gone, &recorded); err != nil {
		return err
	}
	if gone == 0 {
		return nil
	}
	if (gone == recorded || 2*gone > recorded && gone >= massPrune) && !opts.ForcePrune {
		what := fmt.Sprintf("%d of the %d resources", gone, recorded)
		if gone == recorded {
			what = fmt.Sprintf("all %d resources", recorded)
		}
		each(content.ImportResult{Path: dir, Err: &content.Error{Code: content.ECONFLICT, Message: fmt.Sprintf(
			"not pruned: the files of %s recorded under this directory are missing (an empty or unmounted directory?); "+
				"nothing was withdrawn. If the files were removed on purpose, import again with --prune --force-prune", what)}})
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO import_withdraw (id, reason, note)
		SELECT r.id, $3, '' FROM resources r
		WHERE r.origin IS NOT NULL AND r.status <> 'WITHDRAWN' AND (r.origin = $1 OR starts_with(r.origin, $2))
			AND NOT EXISTS (SELECT 1 FROM import_present p WHERE p.path = r.origin)
		ON CONFLICT (id) DO NOTHING`, dir, under, PrunedReason)
	return err
}

// distinct is s without repeats, in order (never nil). Topics,
// audiences, nations and related slugs are sets: every revision is written
// through here, so the API stores them as the import always did (breaker7
// F11: a topic given 5,000 times through the API made the topic counts
// say 5,094 resources where the topic lists 95).
func distinct(s []string) []string {
	out := make([]string, 0, len(s))
	seen := make(map[string]bool, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// syncListingKeys copies the published revision's listing keys onto the
// resource, after any change of its published revision.
func syncListingKeys(ctx context.Context, tx pgx.Tx, id int64) error {
	_, err := tx.Exec(ctx, `UPDATE resources r SET published_at = v.published_at, title_key = lower(v.title)
		FROM revisions v WHERE r.id = $1 AND v.resource_id = r.id AND v.revision = r.published_revision`, id)
	return err
}
