package content

import "time"

// WebhookEndpoint is a URL an admin registered to receive public changes,
// signed as the Standard Webhooks specification says.
type WebhookEndpoint struct {
	ID  int64
	URL string
	// Events are the actions it receives (PUBLISHED, UPDATED, WITHDRAWN).
	Events []ChangeAction
	// Kinds and Topics narrow the events to resources of those kinds and
	// with one of those topics (empty: all).
	Kinds       []Kind
	Topics      []string
	Description string
	// Enabled is false once every attempt failed for a day (or the
	// receiver answered 410 Gone), or an admin disabled it;
	// DisabledReason says why.
	Enabled        bool
	DisabledReason string
	DisabledAt     *time.Time
	CreatedAt      time.Time
	CreatedBy      string
}

// WebhookEndpointInput registers an endpoint: an http(s) URL, the actions
// and optional kind and topic filters. A nil list means every action, kind
// or topic; an empty, non-nil list (events: [] in the API) is refused, since
// it would mean none: an endpoint that receives nothing (pause one with
// setWebhookEndpointEnabled instead).
type WebhookEndpointInput struct {
	URL         string
	Events      []ChangeAction
	Kinds       []Kind
	Topics      []string
	Description string
}

// DeliveryStatus is where a webhook delivery stands.
type DeliveryStatus string

// Delivery statuses: waiting for its next attempt, received (2xx), or given
// up after 24 hours of retries (or its endpoint answered 410 Gone).
const (
	DeliveryPending   DeliveryStatus = "PENDING"
	DeliveryDelivered DeliveryStatus = "DELIVERED"
	DeliveryFailed    DeliveryStatus = "FAILED"
)

// WebhookDelivery is one event sent (or to be sent) to one endpoint.
type WebhookDelivery struct {
	ID         int64
	EndpointID int64
	// MsgID is the webhook-id header: the same on every retry.
	MsgID     string
	EventType string
	// Payload is the exact body sent and signed.
	Payload       string
	EventAt       time.Time
	CreatedAt     time.Time
	Status        DeliveryStatus
	Attempts      int
	NextAttemptAt time.Time
	LastAttemptAt *time.Time
	// LastStatus is the last HTTP status received (nil: no response).
	LastStatus  *int
	LastError   string
	DeliveredAt *time.Time
}

// WebhookAttempt is a delivery claimed for sending, with what signing and
// sending need.
type WebhookAttempt struct {
	WebhookDelivery
	URL    string
	Secret []byte
}

// WebhookOutcome is the result of one attempt.
type WebhookOutcome struct {
	// Delivered: the receiver answered 2xx.
	Delivered bool
	// Status is the HTTP status (0: no response); Error says what failed.
	Status int
	Error  string
	// Next is when to try again; nil gives up (FAILED).
	Next *time.Time
	// Gone: the receiver answered 410, so its endpoint is disabled now.
	Gone bool
}
