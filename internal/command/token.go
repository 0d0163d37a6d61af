package command

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
)

// runToken manages API tokens from the command line: create prints the new
// token alone on its last line, once; list never shows secrets.
func runToken(ctx context.Context, db *postgres.DB, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: guidancehub token create --role partner|editor|admin --name NAME [--expires 90d] | token list | token revoke PREFIX")
		return 2
	}
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("token create", flag.ContinueOnError)
		fs.SetOutput(stderr)
		role := fs.String("role", "", "partner, editor or admin")
		name := fs.String("name", "", "who the token is for")
		expires := fs.String("expires", "", "lifetime such as 90d or 12h (default: never)")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		var until *time.Time
		if *expires != "" {
			d, err := parseLifetime(*expires)
			if err != nil {
				fmt.Fprintln(stderr, "guidancehub token create: --expires:", err)
				return 2
			}
			t := time.Now().Add(d)
			until = &t
		}
		token, t, err := db.CreateToken(ctx, *name, content.Role(strings.ToUpper(*role)), until)
		if err != nil {
			fmt.Fprintln(stderr, "guidancehub token create:", content.ErrorMessage(err))
			return 2
		}
		fmt.Fprintf(stdout, "created %s token %q with prefix %s; it is shown once, keep it secret:\n", strings.ToLower(string(t.Role)), t.Name, t.Prefix)
		fmt.Fprintln(stdout, token)
		return 0
	case "list":
		ts, err := db.ListTokens(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "guidancehub token list:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%-10s %-8s %-20s %-25s %-25s %s\n", "PREFIX", "ROLE", "CREATED", "LAST USED", "EXPIRES", "NAME")
		for _, t := range ts {
			when := func(p *time.Time, none string) string {
				if p == nil {
					return none
				}
				return p.UTC().Format(time.RFC3339)
			}
			state := ""
			if t.RevokedAt != nil {
				state = " (revoked)"
			}
			fmt.Fprintf(stdout, "%-10s %-8s %-20s %-25s %-25s %s%s\n", t.Prefix, strings.ToLower(string(t.Role)), t.CreatedAt.UTC().Format("2006-01-02T15:04Z"),
				when(t.LastUsedAt, "never"), when(t.ExpiresAt, "never"), t.Name, state)
		}
		return 0
	case "revoke":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "usage: guidancehub token revoke PREFIX")
			return 2
		}
		t, err := db.RevokeToken(ctx, args[1])
		if err != nil {
			fmt.Fprintln(stderr, "guidancehub token revoke:", content.ErrorMessage(err))
			return 1
		}
		fmt.Fprintf(stdout, "revoked token %s (%s)\n", t.Prefix, t.Name)
		return 0
	}
	fmt.Fprintf(stderr, "guidancehub token: unknown command %q (want create, list or revoke)\n", args[0])
	return 2
}

// parseLifetime reads "90d", "12h" or any Go duration.
func parseLifetime(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a lifetime such as 90d or 12h", s)
	}
	return d, nil
}
