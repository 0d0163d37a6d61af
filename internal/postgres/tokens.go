package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"guidancehub/internal/content"
)

// tokenPrefix starts every token, so that leaked tokens are easy to find.
const tokenPrefix = "ghub_"

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return strings.ToLower(b32.EncodeToString(b)), nil
}

// CreateToken makes a token and returns it: "ghub_<prefix>_<secret>". Only
// its SHA-256 is stored; the token itself is shown once.
func (db *DB) CreateToken(ctx context.Context, name string, role content.Role, expires *time.Time) (string, *content.Token, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", nil, content.FieldErrorf("name", "is required (at most 100 characters)")
	}
	if !role.Valid() {
		return "", nil, content.FieldErrorf("role", "must be partner, editor or admin")
	}
	if expires != nil && !expires.After(time.Now()) {
		return "", nil, content.FieldErrorf("expires", "must be in the future")
	}
	prefix, err := randomString(5) // 8 characters
	if err != nil {
		return "", nil, err
	}
	secret, err := randomString(32)
	if err != nil {
		return "", nil, err
	}
	token := tokenPrefix + prefix + "_" + secret
	sum := sha256.Sum256([]byte(token))
	t := &content.Token{Prefix: prefix, Name: name, Role: role, ExpiresAt: expires}
	err = db.pool.QueryRow(ctx, `INSERT INTO api_tokens (prefix, hash, name, role, expires_at) VALUES ($1, $2, $3, $4, $5)
		RETURNING id, created_at`, prefix, sum[:], name, role, expires).Scan(&t.ID, &t.CreatedAt)
	if err != nil {
		return "", nil, fmt.Errorf("create token: %w", writeError(err, "list the tokens to see whether one named "+strconv.Quote(name)+" exists; if it does, revoke it (its secret was never shown) and create another"))
	}
	return token, t, nil
}

// Authenticate checks a token and returns its principal. A malformed,
// unknown, expired or revoked token is EUNAUTHORIZED, never anonymous.
func (db *DB) Authenticate(ctx context.Context, token string) (*content.Principal, error) {
	bad := func(why string) error { return content.Errorf(content.EUNAUTHORIZED, "%s", why) }
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	prefix, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(prefix) != 8 || len(token) > 200 {
		return nil, bad("the API token is not valid")
	}
	var (
		p                content.Principal
		hash             []byte
		expires, revoked *time.Time
		lastUsed         *time.Time
	)
	err := db.pool.QueryRow(ctx, `SELECT id, prefix, name, role, hash, expires_at, revoked_at, last_used_at FROM api_tokens WHERE prefix = $1`, prefix).
		Scan(&p.TokenID, &p.Prefix, &p.Name, &p.Role, &hash, &expires, &revoked, &lastUsed)
	sum := sha256.Sum256([]byte(token))
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && subtle.ConstantTimeCompare(hash, sum[:]) != 1) {
		return nil, bad("the API token is not valid")
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", domainError(err))
	}
	switch {
	case revoked != nil:
		return nil, bad("the API token has been revoked")
	case expires != nil && !expires.After(time.Now()):
		return nil, bad("the API token has expired")
	}
	// Record use at most once a minute per token.
	if lastUsed == nil || time.Since(*lastUsed) > time.Minute {
		if _, err := db.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, p.TokenID); err != nil {
			return nil, fmt.Errorf("authenticate: %w", domainError(err))
		}
	}
	return &p, nil
}

// ListTokens lists every token (never their secrets).
func (db *DB) ListTokens(ctx context.Context) ([]content.Token, error) {
	rows, _ := db.pool.Query(ctx, `SELECT id, prefix, name, role, created_at, last_used_at, expires_at, revoked_at FROM api_tokens ORDER BY created_at, id`)
	ts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[content.Token])
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", domainError(err))
	}
	return ts, nil
}

// RevokeToken revokes the token with the prefix, and cancels the
// publications it scheduled that are still pending, each with an audit row
// ("cancel schedule", "its token was revoked"): a revoked token stops
// acting at once (breaker7 F15: its schedules went on publishing).
func (db *DB) RevokeToken(ctx context.Context, prefix string) (*content.Token, error) {
	var t content.Token
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE prefix = $1
			RETURNING id, prefix, name, role, created_at, last_used_at, expires_at, revoked_at`, strings.TrimSpace(prefix)).
			Scan(&t.ID, &t.Prefix, &t.Name, &t.Role, &t.CreatedAt, &t.LastUsedAt, &t.ExpiresAt, &t.RevokedAt); err != nil {
			return err
		}
		// Its scheduled resources are locked first, in id order, as the
		// API and the scheduler lock a resource before its schedule: the
		// audit rows below reference them, and a reference waits on the
		// scheduler's lock.
		if _, err := tx.Exec(ctx, `SELECT r.id FROM resources r JOIN scheduled_publications s ON s.resource_id = r.id
			WHERE s.token_prefix = $1 ORDER BY r.id FOR UPDATE OF r`, t.Prefix); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `DELETE FROM scheduled_publications WHERE token_prefix = $1 RETURNING resource_id, revision`, t.Prefix)
		type gone struct {
			ID  int64
			Rev int
		}
		cancelled, err := pgx.CollectRows(rows, pgx.RowToStructByPos[gone])
		if err != nil {
			return err
		}
		who := &content.Principal{Prefix: t.Prefix, Name: t.Name}
		for _, g := range cancelled {
			if err := audit(ctx, tx, who, "cancel schedule", g.ID, g.Rev, "its token was revoked"); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, content.Errorf(content.ENOTFOUND, "no token with prefix %q", prefix)
	} else if err != nil {
		return nil, fmt.Errorf("revoke token: %w", writeError(err, "revoking again is safe"))
	}
	return &t, nil
}
