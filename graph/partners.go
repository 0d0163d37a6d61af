package graph

import (
	"guidancehub/graph/model"
	"guidancehub/internal/content"
	"guidancehub/internal/partner"
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
			Action: e.Action, ResourceID: content.GlobalID(model.NodeType, e.ResourceID), Slug: e.Slug,
			Kind: e.Kind, Revision: e.Revision, At: e.CreatedAt,
		}}
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	return conn
}

// Global id types of webhook endpoints and deliveries.
const (
	webhookEndpointType = "WebhookEndpoint"
	webhookDeliveryType = "WebhookDelivery"
)

// webhooks is the webhook service; EUNAVAILABLE when the hub runs without.
func (r *Resolver) webhooks() (*partner.Webhooks, error) {
	if r.Webhooks == nil {
		return nil, content.Errorf(content.EUNAVAILABLE, "webhooks are not configured on this hub")
	}
	return r.Webhooks, nil
}

// parseID decodes a global id of the given type (EINVALID otherwise).
func parseID(id, typ string) (int64, error) {
	t, n, err := content.ParseGlobalID(id)
	if err != nil {
		return 0, err
	}
	if t != typ {
		return 0, content.FieldErrorf("id", "not a %s id", typ)
	}
	return n, nil
}

func webhookInput(in model.RegisterWebhookEndpointInput) content.WebhookEndpointInput {
	// nil (omitted or null: every one) stays apart from [] (none: refused).
	out := content.WebhookEndpointInput{URL: in.URL, Topics: in.Topics}
	if in.Events != nil {
		out.Events = append([]content.ChangeAction{}, in.Events...)
	}
	if in.Kinds != nil {
		out.Kinds = append([]content.Kind{}, in.Kinds...)
	}
	if in.Description != nil {
		out.Description = *in.Description
	}
	return out
}

func webhookEndpoint(e *content.WebhookEndpoint) *model.WebhookEndpoint {
	m := &model.WebhookEndpoint{ID: content.GlobalID(webhookEndpointType, e.ID), Num: e.ID, URL: e.URL, Topics: e.Topics,
		Description: e.Description, Enabled: e.Enabled, DisabledAt: e.DisabledAt, CreatedAt: e.CreatedAt,
		Events: []content.ChangeAction{}, Kinds: []content.Kind{}}
	if m.Topics == nil {
		m.Topics = []string{}
	}
	m.Events = append(m.Events, e.Events...)
	m.Kinds = append(m.Kinds, e.Kinds...)
	if e.DisabledReason != "" {
		m.DisabledReason = &e.DisabledReason
	}
	return m
}

func webhookDelivery(d content.WebhookDelivery) *model.WebhookDelivery {
	m := &model.WebhookDelivery{ID: content.GlobalID(webhookDeliveryType, d.ID), MessageID: d.MsgID, EventType: d.EventType,
		Status: string(d.Status), Attempts: d.Attempts, EventAt: d.EventAt, CreatedAt: d.CreatedAt, LastAttemptAt: d.LastAttemptAt,
		LastStatusCode: d.LastStatus, DeliveredAt: d.DeliveredAt, Payload: d.Payload}
	if d.Status == content.DeliveryPending {
		m.NextAttemptAt = &d.NextAttemptAt
	}
	if d.LastError != "" {
		m.LastError = &d.LastError
	}
	return m
}
