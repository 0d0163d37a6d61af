package content

import (
	"context"
	"time"
)

// Role is what a token may do. Roles are ordered: an admin may do all an
// editor may, an editor all a partner may.
type Role string

// The roles.
const (
	RolePartner Role = "PARTNER" // read-only; identifies a partner app
	RoleEditor  Role = "EDITOR"  // drafts, publishes, withdraws
	RoleAdmin   Role = "ADMIN"   // also manages tokens and reads the audit log
)

var roleLevel = map[Role]int{RolePartner: 1, RoleEditor: 2, RoleAdmin: 3}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return roleLevel[r] > 0 }

// Principal is who makes a request: a token, or nobody (anonymous).
type Principal struct {
	TokenID int64
	Prefix  string
	Name    string
	Role    Role
}

// Anonymous is the principal of a request without a token.
var Anonymous = &Principal{Name: "anonymous"}

// Can reports whether the principal has at least the role.
func (p *Principal) Can(r Role) bool { return p != nil && roleLevel[p.Role] >= roleLevel[r] }

// Require returns nil when the context's principal has at least the role,
// else EUNAUTHORIZED for a request without a token and EFORBIDDEN for a
// token whose role is too low. Every door checks roles through it.
func Require(ctx context.Context, r Role) error {
	p := PrincipalFrom(ctx)
	if p.Can(r) {
		return nil
	}
	if p == Anonymous || p.Role == "" {
		return Errorf(EUNAUTHORIZED, "this needs an API token with the %s role (Authorization: Bearer …)", r)
	}
	return Errorf(EFORBIDDEN, "your token's role (%s) cannot do this: it needs %s", p.Role, r)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying the request's principal.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the request's principal (Anonymous if none).
func PrincipalFrom(ctx context.Context) *Principal {
	if p, ok := ctx.Value(principalKey{}).(*Principal); ok && p != nil {
		return p
	}
	return Anonymous
}

// Token is an API token as listed: never the secret, only its prefix.
type Token struct {
	ID         int64
	Prefix     string
	Name       string
	Role       Role
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID          int64
	At          time.Time
	TokenPrefix string
	TokenName   string
	Action      string
	ResourceID  *int64
	Revision    *int
	Detail      string
}

// RevisionInfo describes one revision.
type RevisionInfo struct {
	Revision  int
	Title     string
	Author    string
	CreatedAt time.Time
	Published bool // the revision the public sees
	Latest    bool
}

// ScheduledPublication is a publication the hub will make by itself
// (publishResource with a future time): the revision current when it was
// scheduled goes live at At (UTC), on behalf of the token named By.
type ScheduledPublication struct {
	At       time.Time
	Revision int
	By       string
}
