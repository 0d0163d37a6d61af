package graph

import (
	"testing"

	"guidancehub/graph/model"
	"guidancehub/internal/content"
)

// FuzzListQuery feeds arbitrary filter values, orders, sizes and cursors to
// the decoding of `resources` arguments: every outcome is a query or an
// INVALID_ARGUMENT error, never a panic or an internal error.
func FuzzListQuery(f *testing.F) {
	f.Add("gp-registration", "en", "PUBLISHED_AT", "DESC", 20, "")
	f.Add("", "pt-BR", "TITLE", "ASC", 101, "eyJmIjoiVElUTEUiLCJkIjoiQVNDIiwiayI6ImEiLCJpIjoxfQ")
	f.Add("<script>", "english!", "X", "Y", -1, "!!!")
	f.Fuzz(func(t *testing.T, topic, lang, field, dir string, first int, after string) {
		filter := &model.ResourceFilter{Topics: []string{topic}, Languages: []string{lang}}
		d := content.Direction(dir)
		order := &model.ResourceOrder{Field: content.OrderField(field), Direction: &d}
		q, err := listQuery(filter, order, &first, &after)
		if err != nil {
			if content.ErrorCode(err) != content.EINVALID {
				t.Fatalf("error %v is not INVALID_ARGUMENT", err)
			}
			return
		}
		if q.First < 0 || q.First > content.MaxPageSize {
			t.Fatalf("accepted first %d", q.First)
		}
	})
}
