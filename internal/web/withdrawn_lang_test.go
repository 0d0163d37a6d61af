package web

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"guidancehub/internal/content"
)

// TestWithdrawalReasonCarriesItsLanguage (breaker7 F10): on the 410 page
// a withdrawal reason in another script than the page's English has the
// lang and dir of the language its letters stand for (an Arabic reason
// was read as English, left to right); an English or mixed reason has
// neither.
func TestWithdrawalReasonCarriesItsLanguage(t *testing.T) {
	tmpl := parseTemplates()["withdrawn"]
	for _, c := range []struct{ reason, attrs string }{
		{"Replaced by newer guidance", ""},
		{"تم استبداله بدليل جديد", `lang="ar" dir="rtl"`},
		{"با راهنمای جدید جایگزین شد", `lang="fa" dir="rtl"`},
		{"نئی رہنمائی سے بدل دیا گیا", `lang="ur" dir="rtl"`},
		{"Αντικαταστάθηκε", `lang="el" dir="ltr"`},
		{"Replaced: see تم استبداله", ""},
		{"تم استبداله بدليل جديد من NHS", `lang="ar" dir="rtl"`},
	} {
		r := &content.Resource{Status: content.StatusWithdrawn, Draft: content.Draft{Kind: content.KindGuidance, Title: "T", Language: "en"},
			Withdrawal: &content.Withdrawal{Reason: c.reason, WithdrawnAt: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}}
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, "content", layout{Data: resourceData{R: r}}); err != nil {
			t.Fatal(err)
		}
		want := "<span " + c.attrs + ">" + c.reason + "</span>"
		if c.attrs == "" {
			want = "</strong> " + c.reason + "</p>"
		}
		if !strings.Contains(buf.String(), want) {
			t.Errorf("reason %q: want %s in\n%s", c.reason, want, buf.String())
		}
	}
}
