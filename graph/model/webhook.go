package model

import (
	"time"

	"guidancehub/internal/content"
)

// WebhookEndpoint is a webhook endpoint as admins see it (never its secret).
type WebhookEndpoint struct {
	ID             string
	Num            int64 // database id
	URL            string
	Events         []content.ChangeAction
	Kinds          []content.Kind
	Topics         []string
	Description    string
	Enabled        bool
	DisabledReason *string
	DisabledAt     *time.Time
	CreatedAt      time.Time
}

// WebhookDelivery is one delivery as admins see it.
type WebhookDelivery struct {
	ID             string
	MessageID      string
	EventType      string
	Status         string
	Attempts       int
	EventAt        time.Time
	CreatedAt      time.Time
	LastAttemptAt  *time.Time
	NextAttemptAt  *time.Time
	LastStatusCode *int
	LastError      *string
	DeliveredAt    *time.Time
	Payload        string
}
