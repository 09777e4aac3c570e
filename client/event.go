package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"time"
)

// Event is an immutable record of one change to an object, such as a session
// completing or expiring. Events are the reliable way to learn about changes:
// dedupe them on ID, and order the events of one object by Sequence.
type Event struct {
	// ID is the event's id, "evt_...".
	ID string `json:"id"`
	// Object is always "event".
	Object string `json:"object"`
	// Type names the change, e.g. "checkout.session.expired".
	Type string `json:"type"`
	// Created is the creation time in Unix seconds, as Stripe sends it, so
	// code written for Stripe events keeps working. CreatedAt is the same
	// instant as a time.Time.
	Created   int64     `json:"created"`
	CreatedAt time.Time `json:"created_at"`
	Livemode  bool      `json:"livemode"`
	// Sequence numbers the events of one object from 1, without gaps.
	Sequence int64     `json:"sequence"`
	Data     EventData `json:"data"`
}

// EventData holds the object an event is about.
type EventData struct {
	// Object is the object as it was right after the change, kept raw because
	// its type depends on the event's type. Decode it with a helper such as
	// Event.Session, or with encoding/json.
	Object json.RawMessage `json:"object"`
}

// Session decodes the event's object as a checkout session. It fails when the
// object is of another kind, so it is safe to call on any event.
func (e *Event) Session() (*Session, error) {
	if len(e.Data.Object) == 0 || string(e.Data.Object) == "null" {
		return nil, fmt.Errorf("checkoutd: event %s has no object", e.ID)
	}
	var head struct {
		Object string `json:"object"`
	}
	if err := json.Unmarshal(e.Data.Object, &head); err != nil {
		return nil, fmt.Errorf("checkoutd: decoding object of event %s: %w", e.ID, err)
	}
	if head.Object != "" && head.Object != "checkout.session" {
		return nil, fmt.Errorf("checkoutd: event %s is about a %q, not a checkout.session", e.ID, head.Object)
	}
	s, err := decodeSession(e.Data.Object)
	if err != nil {
		return nil, fmt.Errorf("checkoutd: decoding session of event %s: %w", e.ID, err)
	}
	return s, nil
}

// EventListParams filters and pages EventService.List and All. Zero values
// are not sent.
type EventListParams struct {
	// Limit is the page size; 0 lets the server choose.
	Limit int
	// StartingAfter is an event id; the page holds older events.
	StartingAfter string
	// EndingBefore is an event id; the page holds newer events. Used to page
	// backwards.
	EndingBefore string
	// Type keeps only events of this type, e.g. "checkout.session.completed".
	Type string
}

func (p *EventListParams) query() url.Values {
	q := url.Values{}
	if p == nil {
		return q
	}
	encodePage(q, p.Limit, p.StartingAfter, p.EndingBefore)
	if p.Type != "" {
		q.Set("type", p.Type)
	}
	return q
}

// EventList is one page of events, newest first.
type EventList struct {
	Object string   `json:"object"`
	Data   []*Event `json:"data"`
	// HasMore says whether older events follow; fetch them with
	// StartingAfter set to the last ID of Data, or use All.
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

// EventService is the /v1/events resource. Get it from Client.Events.
type EventService struct {
	b *backend
}

const eventsPath = "/v1/events"

var errEmptyEventID = errors.New("checkoutd: event id is empty")

// Get returns the event with the given id.
func (s *EventService) Get(ctx context.Context, id string) (*Event, error) {
	return resource[Event]{s.b, eventsPath, errEmptyEventID}.get(ctx, id)
}

// List returns one page of events matching params (nil for all), newest
// first. Use All to walk every page.
func (s *EventService) List(ctx context.Context, params *EventListParams) (*EventList, error) {
	return list[EventList](ctx, s.b, eventsPath, params.query())
}

// All returns every event matching params, fetching pages lazily as the loop
// advances; it pages exactly like SessionService.All. To catch up on events
// since the last one you processed, set EndingBefore to its id: All then
// yields the newer events oldest first. params is not modified.
func (s *EventService) All(ctx context.Context, params *EventListParams) iter.Seq2[*Event, error] {
	return all(ctx, params, s.List)
}

func (p *EventListParams) cursors() (*string, *string) { return &p.StartingAfter, &p.EndingBefore }
func (l *EventList) page() ([]*Event, bool)            { return l.Data, l.HasMore }
func (o *Event) objectID() string {
	if o == nil {
		return ""
	}
	return o.ID
}
