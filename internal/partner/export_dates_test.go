package partner_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"guidancehub/internal/content"
	"guidancehub/internal/partner"
)

// TestExportSourceDatesAreDates is breaker5 F19: the export wrote every
// source date as a timestamp ("2018-07-18T00:00:00Z") while the API's
// Source.date is a Date ("2018-07-18"). For 200 generated dates, the
// export's JSON date equals the Date the API gives (content.DateLayout),
// the other fields stay as they were, and a source without a date has none.
func TestExportSourceDatesAreDates(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 19))
	for i := 0; i < 200; i++ {
		d := time.Date(1+r.IntN(9999), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		res := &content.Resource{Draft: content.Draft{Slug: "s", Kind: content.KindGuidance, Sources: []content.Source{
			{Title: "A", Publisher: "P", URL: "https://example.org/", DOI: "10.1/x", Date: &d}, {Title: "B"}}}}
		b, err := json.Marshal(partner.NewExportResource(res, "https://hub.example.org"))
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Sources []map[string]any }
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"title": "A", "publisher": "P", "url": "https://example.org/", "doi": "10.1/x", "date": d.Format(content.DateLayout)}
		if len(got.Sources) != 2 || len(got.Sources[0]) != len(want) || len(got.Sources[1]) != 1 {
			t.Fatalf("sources %v", got.Sources)
		}
		for k, v := range want {
			if got.Sources[0][k] != v {
				t.Errorf("%s: %v, want %v", k, got.Sources[0][k], v)
			}
		}
	}
}
