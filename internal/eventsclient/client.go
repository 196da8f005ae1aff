// Package eventsclient is a Go client of the platform's durable event stream
// served over WebSocket at GET /api/ws.
//
// The client authenticates with a first {"type":"auth"} frame, subscribes to
// streams with the last sequence number it saw, and delivers every event of a
// subscribed stream exactly once and in order on Events(). When the connection
// drops (network error, server restart, "slow consumer" close 4008, …) it
// reconnects with exponential backoff, re-authenticates and resubscribes every
// stream from the last delivered seq. Duplicates (seq <= last) are dropped; a
// gap (seq > last+1) makes it resubscribe that stream from last. It is used by
// the end-to-end tests and by `make bench`.
package eventsclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
)

// Event is one event of a stream, as delivered by Events().
type Event struct {
	Stream string          // e.g. "deployment:<id>"
	Seq    int64           // gap-free sequence number within Stream, starting at 1
	Type   string          // event type, e.g. "deployment.step_started"
	Data   json.RawMessage // event payload (JSON)
	At     time.Time       // when the event was appended to the log
}

// Options configure Dial.
type Options struct {
	// URL is the server base, ws(s)://host:port (http(s) is accepted too);
	// the path /api/ws is appended.
	URL string
	// Token is the bearer token sent in the auth frame.
	Token string
	// TokenFunc, when set, is called before every connection attempt instead of
	// using Token, so a refreshed token is used after a reconnect.
	TokenFunc func(ctx context.Context) (string, error)
	// Origin is sent as the Origin header; default the http(s) form of URL.
	Origin string
	// Buffer is the capacity of the Events channel; default 1024.
	Buffer int
	// Dialer is the WebSocket dialer; default a copy of websocket.DefaultDialer.
	Dialer *websocket.Dialer
	// OnState, when set, is called (from the client's goroutines, never with a
	// lock held) on state changes: see the State constants.
	OnState func(state string, err error)
}

// Client is a resuming event-stream client. Its methods are safe for
// concurrent use. Create it with Dial and release it with Close.
type Client struct {
	opts   Options
	url    string
	header http.Header
	dialer *websocket.Dialer
	events chan Event
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu         sync.Mutex // guards the fields below and every write to conn
	conn       *websocket.Conn
	streams    map[string]*sub
	waiters    map[string][]*waiter
	fatal      error
	reconnects int
}

type sub struct {
	last      int64 // last seq delivered to the caller
	resyncing bool  // a resubscribe after a gap is in flight
}

type waiter struct {
	unsub bool
	ch    chan error // buffered, receives exactly one result
}

// Dial connects and authenticates once, returning the error of that first
// attempt (wrapping ErrUnauthorized if the token is refused). On success it
// runs a background loop that reads events and reconnects until ctx is done or
// Close is called; ctx therefore bounds the client's lifetime, not just Dial.
func Dial(ctx context.Context, o Options) (*Client, error) {
	if o.Token == "" && o.TokenFunc == nil {
		return nil, fmt.Errorf("eventsclient: Token or TokenFunc is required: %w", ErrBadRequest)
	}
	u, origin, err := endpoint(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Origin != "" {
		origin = o.Origin
	}
	if o.Buffer <= 0 {
		o.Buffer = 1024
	}
	d := o.Dialer
	if d == nil {
		dd := *websocket.DefaultDialer
		d = &dd
	}
	c := &Client{
		opts: o, url: u, dialer: d,
		header:  http.Header{"Origin": []string{origin}},
		events:  make(chan Event, o.Buffer),
		done:    make(chan struct{}),
		streams: map[string]*sub{},
		waiters: map[string][]*waiter{},
	}
	c.ctx, c.cancel = context.WithCancel(ctx)
	conn, err := c.connect(c.ctx)
	if err != nil {
		c.cancel()
		return nil, fmt.Errorf("eventsclient: dial %s: %w", u, err)
	}
	go c.run(conn)
	return c, nil
}

// endpoint returns the /api/ws URL and the default Origin for a base URL.
func endpoint(base string) (string, string, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil {
		return "", "", fmt.Errorf("eventsclient: bad URL %q: %w", base, err)
	}
	switch u.Scheme {
	case "ws", "http":
		u.Scheme = "ws"
	case "wss", "https":
		u.Scheme = "wss"
	default:
		return "", "", fmt.Errorf("eventsclient: bad URL %q: scheme must be ws or wss: %w", base, ErrBadRequest)
	}
	if u.Host == "" {
		return "", "", fmt.Errorf("eventsclient: bad URL %q: no host: %w", base, ErrBadRequest)
	}
	origin := "http://" + u.Host
	if u.Scheme == "wss" {
		origin = "https://" + u.Host
	}
	u.Path += "/api/ws"
	u.RawQuery, u.Fragment = "", ""
	return u.String(), origin, nil
}
