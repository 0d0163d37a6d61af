package content_test

import (
	"testing"

	"guidancehub/internal/content"
)

func TestChangePositionRoundTrip(t *testing.T) {
	for _, p := range []content.ChangePosition{
		{Watermark: 1},
		{Watermark: 742, Seen: []int64{3, 4, 900}},
		{Watermark: 1 << 40, Seen: []int64{1 << 50}},
		{Watermark: 742, Through: 5_000_000},
		{Watermark: 742, Through: 1, Seen: []int64{3, 4, 900}},
	} {
		got, err := content.DecodeChangePosition(p.Encode())
		if err != nil || got.Watermark != p.Watermark || got.Through != p.Through || len(got.Seen) != len(p.Seen) {
			t.Errorf("round trip of %v = %v, %v", p, got, err)
		}
	}
}

// Every text that is not a cursor this hub made is EINVALID naming
// "after": wrong base64, version, zero watermark, seen rows out of order,
// repeated or zero, numbers not in shortest form, trailing bytes.
func TestDecodeChangePositionRejects(t *testing.T) {
	good := content.ChangePosition{Watermark: 9, Seen: []int64{10, 12}}.Encode()
	for _, s := range []string{
		"", "!!", "AA", good + "A", good[:len(good)-1], "AwkCCgI", // version 3
		"AgkAAA",             // version 2 with Through 0 (version 1's form)
		"Agk",                // version 2, Through missing
		"AQA",                // watermark 0
		"AQkCCgA",            // a repeated row (delta 0)
		"AQkB",               // count 1, row missing
		"AYkACQ",             // watermark 9 not in shortest form
		"AQn_____________AQ", // count beyond the limit
	} {
		_, err := content.DecodeChangePosition(s)
		if content.ErrorCode(err) != content.EINVALID {
			t.Errorf("DecodeChangePosition(%q) error = %v, want EINVALID", s, err)
		}
	}
	if _, err := content.DecodeChangePosition(good); err != nil {
		t.Errorf("good cursor %q: %v", good, err)
	}
}

func FuzzDecodeChangePosition(f *testing.F) {
	f.Add(content.ChangePosition{Watermark: 9, Seen: []int64{10, 12}}.Encode())
	f.Add("AQk")
	f.Add(content.ChangePosition{Watermark: 9, Through: 4, Seen: []int64{10}}.Encode())
	f.Fuzz(func(t *testing.T, s string) {
		p, err := content.DecodeChangePosition(s)
		if err != nil {
			if content.ErrorCode(err) != content.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if p.Encode() != s {
			t.Fatalf("decoded %q to %v which encodes as %q", s, p, p.Encode())
		}
		for i := 1; i < len(p.Seen); i++ {
			if p.Seen[i] <= p.Seen[i-1] {
				t.Fatalf("seen not ascending: %v", p.Seen)
			}
		}
	})
}

func TestPublicAction(t *testing.T) {
	P, W, D := content.StatusPublished, content.StatusWithdrawn, content.StatusDraft
	for _, c := range []struct {
		before, after content.Status
		live          bool
		want          content.ChangeAction
	}{
		{D, P, true, content.ActionPublished},
		{W, P, true, content.ActionPublished},
		{P, P, true, content.ActionUpdated},
		{P, P, false, content.ActionDraft},
		{P, W, false, content.ActionWithdrawn},
		{D, W, false, content.ActionDraft},
		{D, D, false, content.ActionDraft},
		{W, W, true, content.ActionDraft},
	} {
		if got := content.PublicAction(c.before, c.after, c.live); got != c.want {
			t.Errorf("PublicAction(%s, %s, %v) = %s, want %s", c.before, c.after, c.live, got, c.want)
		}
	}
}
