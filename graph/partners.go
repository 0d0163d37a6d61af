package graph

import (
	"guidancehub/graph/model"
	"guidancehub/internal/content"
)

// changeConnection turns a page of the change feed into its connection.
func changeConnection(p *content.ChangePage) *model.ChangeConnection {
	conn := &model.ChangeConnection{
		Edges:    make([]model.ChangeEdge, len(p.Events)),
		PageInfo: &model.PageInfo{HasNextPage: p.More},
		Cursor:   p.Next.Encode(),
	}
	for i, e := range p.Events {
		conn.Edges[i] = model.ChangeEdge{Cursor: e.Cursor.Encode(), Node: &model.Change{
			Action: string(e.Action), ResourceID: content.GlobalID(model.NodeType, e.ResourceID), Slug: e.Slug,
			Kind: string(e.Kind), Revision: e.Revision, At: e.CreatedAt,
		}}
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	return conn
}
