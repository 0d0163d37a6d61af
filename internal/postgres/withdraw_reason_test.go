package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"guidancehub/internal/content"
	"guidancehub/internal/postgres"
	"guidancehub/internal/testdb"
)

// TestWithdrawalReasonIsCheckedLikeEveryText (review4 R3): the withdrawal
// reason is public text of a resource (API, pages, the Atom tombstone), so
// it must be refused exactly when the same text as a title is refused by
// the rules every resource text follows (content.Draft.Check, the oracle),
// and its 500 limit counts characters, not bytes. A refusal is a coded
// EINVALID on "reason" that leaves the resource published; an accepted
// reason is stored as given.
func TestWithdrawalReasonIsCheckedLikeEveryText(t *testing.T) {
	db := testdb.Open(t, postgres.Options{})
	ctx := context.Background()
	n := 0
	published := func() *content.Resource {
		t.Helper()
		n++
		r, err := db.CreateResource(ctx, editor, draft(fmt.Sprintf("reason-check-%d", n)))
		if err != nil {
			t.Fatal(err)
		}
		if r, err = db.PublishResource(ctx, editor, r.ID, nil); err != nil {
			t.Fatal(err)
		}
		return r
	}
	titleRefused := func(text string) bool {
		d := draft("oracle")
		d.Title = text
		for _, e := range d.Check(content.Rules{}) {
			if e.Field == "title" {
				return true
			}
		}
		return false
	}
	var reasons []string
	for c := rune(0); c < 0xa0; c++ {
		reasons = append(reasons, "Out of date "+string(c)+" now")
	}
	for _, c := range []rune{0xad, 0x200b, 0x2028, 0xfdcf, 0xfdd0, 0xfdef, 0xfdf0, 0xfeff, 0xfffd, 0xfffe, 0xffff, 0x1fffe, 0x10ffff, 0x1f9fa} {
		reasons = append(reasons, "Out of date "+string(c)+" now")
	}
	// Lengths (Arabic letters: two bytes each): over the limit or not, in
	// characters.
	long := map[string]bool{}
	for _, k := range []int{1, 300, 499, 500, 501} {
		reasons = append(reasons, strings.Repeat("ع", k))
		long[strings.Repeat("ع", k)] = k > 500
	}
	r := published()
	refused := 0
	for _, reason := range reasons {
		over, isLength := long[reason]
		want := !over
		if !isLength {
			want = !titleRefused(reason)
		}
		got, err := db.WithdrawResource(ctx, editor, r.ID, reason)
		if want != (err == nil) {
			t.Errorf("%q: withdrawal error %v, want accepted %v (as a title: refused %v)", reason, err, want, titleRefused(reason))
			continue
		}
		if err != nil {
			refused++
			if e, ok := err.(*content.Error); !ok || e.Code != content.EINVALID || e.Field != "reason" {
				t.Errorf("%q: %#v, want EINVALID on reason", reason, err)
			}
			still, err := db.EditorResourceByID(ctx, r.ID)
			if err != nil || still.Status != content.StatusPublished {
				t.Fatalf("%q: after a refused withdrawal: %+v %v", reason, still, err)
			}
			continue
		}
		if got.Withdrawal == nil || got.Withdrawal.Reason != reason {
			t.Errorf("%q: stored withdrawal %+v", reason, got.Withdrawal)
		}
		r = published()
	}
	if refused < 60 {
		t.Errorf("only %d of %d reasons refused: the samples no longer cover the forbidden classes", refused, len(reasons))
	}
	t.Logf("%d reasons, %d refused", len(reasons), refused)
}
