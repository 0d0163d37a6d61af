package reuse

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/content"
)

// TestCardWithdrawalReasonCarriesItsLanguage (breaker11 F2): the embed
// card's withdrawal notice (English) gives a reason in another script the
// lang and dir its letters call for, as the 410 page does; an English or
// mixed reason has neither.
func TestCardWithdrawalReasonCarriesItsLanguage(t *testing.T) {
	for _, c := range []struct{ reason, attrs string }{
		{"Replaced by newer guidance", ""},
		{"تم استبداله بدليل جديد", `lang="ar" dir="rtl"`},
		{"با راهنمای جدید جایگزین شد", `lang="fa" dir="rtl"`},
		{"نئی رہنمائی سے بدل دیا گیا", `lang="ur" dir="rtl"`},
		{"הוחלף בהנחיה חדשה", `lang="he" dir="rtl"`},
		{"Αντικαταστάθηκε", `lang="el" dir="ltr"`},
		{"Replaced: see تم استبداله", ""},
		{"تم استبداله بدليل جديد من NHS", `lang="ar" dir="rtl"`},
	} {
		r := &content.Resource{Status: content.StatusWithdrawn, Draft: content.Draft{Kind: content.KindGuidance, Title: "T", Language: "en"},
			Withdrawal: &content.Withdrawal{Reason: c.reason, WithdrawnAt: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}}
		data := struct {
			R                     *content.Resource
			Lang, Kind, URL, Home string
			Publisher             string
			RTL                   bool
		}{R: r, Lang: "en"}
		var b bytes.Buffer
		if err := cardTmpl.Execute(&b, data); err != nil {
			t.Fatal(err)
		}
		want := "</strong> " + c.reason + "</p>"
		if c.attrs != "" {
			want = "<span " + c.attrs + ">" + c.reason + "</span>"
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("reason %q: want %s in\n%s", c.reason, want, b.String())
		}
	}
}
