package api

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/models"
)

// WebSocket close codes of the platform (4000–4999 are application codes).
const (
	closeSlowConsumer  = 4008
	closeUnauthorized  = 4401
	closeAuthTimeout   = 4408
	closeTooManyConns  = 4429
	wsAuthTimeout      = 5 * time.Second
	wsWriteWait        = 10 * time.Second
	wsPongWait         = 60 * time.Second
	wsPingEvery        = 30 * time.Second
	wsReadLimit        = 64 << 10
	wsSendBuffer       = 256
	defaultMaxConns    = 20
	defaultMaxSubs     = 50
	slowConsumerReason = "slow consumer: resume from your last seq"
)

// StreamLimits bound what one user and one connection may hold open.
type StreamLimits struct {
	ConnectionsPerUser      int
	SubscriptionsPerConn    int
	AllowedOrigins          []string // exact origins; empty allows only same-origin-less clients
	AllowAnyLocalhostOrigin bool     // dev mode: any http://localhost:<port>
	// WriteWait is how long one frame may take to reach a client that has
	// stopped reading before the connection is ended (0: 10 s).
	WriteWait time.Duration
}

// writeWait is StreamLimits.WriteWait or its default.
func (s *Server) writeWait() time.Duration {
	if s.limits.WriteWait > 0 {
		return s.limits.WriteWait
	}
	return wsWriteWait
}

type clientFrame struct {
	Type   string `json:"type"`
	Token  string `json:"token,omitempty"`
	Stream string `json:"stream,omitempty"`
	After  int64  `json:"after,omitempty"`
}

type eventFrame struct {
	Type   string          `json:"type"`
	Stream string          `json:"stream"`
	Seq    int64           `json:"seq"`
	Event  string          `json:"event"`
	Data   json.RawMessage `json:"data"`
	At     time.Time       `json:"at"`
}

func encodeEventFrame(ev models.Event) []byte {
	b, _ := json.Marshal(eventFrame{Type: "event", Stream: ev.Stream, Seq: ev.Seq, Event: ev.Type, Data: ev.Data.V, At: ev.CreatedAt})
	return b
}

// wsConfig sizes each connection's buffers for many mostly idle sockets.
// Client frames are small (auth, subscribe), so the read buffer is small;
// a larger frame (up to wsReadLimit) is still read, in more pieces. Write
// buffers come from a pool and are held only while a frame is written, not
// for the life of the connection; a frame larger than one goes out in the
// same single write (the rest is written from where it lies).
func wsConfig() websocket.Config {
	return websocket.Config{ReadBufferSize: 512, WriteBufferSize: 4096, WriteBufferPool: &wsWriteBuffers}
}

var wsWriteBuffers sync.Pool

// wsUpgrade refuses other origins with 403 before the upgrade.
func (s *Server) wsUpgrade(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return &Error{Status: fiber.StatusUpgradeRequired, Code: "upgrade_required", Message: "connect with a WebSocket client"}
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && !s.originAllowed(origin) {
		return &Error{Status: fiber.StatusForbidden, Code: "forbidden_origin", Message: "this origin may not open a WebSocket"}
	}
	// A browser signs the socket in with its session cookie (its origin
	// was checked above); other clients send {"type":"auth"} first. A
	// refused cookie still upgrades, so the client gets close code 4401
	// (refresh, then reconnect) instead of an opaque failed handshake.
	if token, _, found := accessToken(c); found {
		u, sessionID, err := s.userOfToken(c.UserContext(), token)
		if err != nil {
			c.Locals(localWSAuthError, toAPIError(err))
		} else {
			c.Locals(localWSUser, u)
			c.Locals(localWSSession, sessionID)
		}
	}
	return c.Next()
}

// Values the upgrade hands to the socket (string keys: only those reach
// websocket.Conn.Locals).
const (
	localWSUser      = "forge.ws.user"
	localWSSession   = "forge.ws.session"
	localWSAuthError = "forge.ws.auth_error"
)

func (s *Server) originAllowed(origin string) bool {
	for _, o := range s.limits.AllowedOrigins {
		if strings.EqualFold(o, origin) {
			return true
		}
	}
	return s.limits.AllowAnyLocalhostOrigin && (strings.HasPrefix(origin, "http://localhost:") || strings.HasPrefix(origin, "http://127.0.0.1:"))
}

// wsConn is one WebSocket client: a reader (this goroutine), one writer
// goroutine, and a bounded send buffer that the hub never blocks on. Nothing
// else runs per connection while it is idle (1,000 idle sockets are 2,000
// goroutines); the periodic look at its session is a short-lived goroutine.
type wsConn struct {
	s       *Server
	conn    *websocket.Conn
	user    models.User
	session string // the sign-in session; the connection ends with it
	out     *outbox
	mu      sync.Mutex
	subs    map[string]*wsSub
	closed  chan struct{}
	once    sync.Once
	reason  struct {
		code int
		text string
	}
	readMu   sync.Mutex // orders hangUp with the reader's deadline extensions
	hungUp   bool
	checking atomic.Bool // a look at the session is under way (checkSession)
}

type wsSub struct {
	c      *wsConn
	stream string
}

func (w *wsSub) Deliver(d *events.Delivery) bool { return w.c.out.offer(d.Frame(encodeEventFrame)) }

// WaitRoom paces a replay of the log (events.Pacer).
func (w *wsSub) WaitRoom(ctx context.Context) bool { return w.c.out.waitRoom(ctx, w.c.closed) }

// Ephemeral queues a frame that is not in the log; it is dropped if the buffer is full.
func (w *wsSub) Ephemeral(frame []byte) { w.c.out.offer(frame) }

func (w *wsSub) Dropped(string, string) { w.c.closeWith(closeSlowConsumer, slowConsumerReason) }

func (w *wsConn) closeWith(code int, text string) {
	w.once.Do(func() {
		w.reason.code, w.reason.text = code, text
		close(w.closed)
	})
}

func (w *wsConn) frame(v any) {
	b, _ := json.Marshal(v)
	if !w.out.offer(b) {
		w.closeWith(closeSlowConsumer, slowConsumerReason)
	}
}

func (w *wsConn) errorFrame(code, msg, stream string) {
	w.frame(map[string]string{"type": "error", "code": code, "message": msg, "stream": stream})
}

// wsHandler serves one connection: authenticate by the first frame, then
// subscribe/unsubscribe; events flow from the hub through the writer.
func (s *Server) wsHandler(conn *websocket.Conn) {
	conn.SetReadLimit(wsReadLimit)
	user, sessionID, code, err := s.wsSignIn(conn)
	if err != nil {
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, err.Error()), time.Now().Add(wsWriteWait))
		return
	}
	if !s.conns.acquire(user.ID, s.limits.ConnectionsPerUser) {
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(closeTooManyConns, "too many connections"), time.Now().Add(wsWriteWait))
		return
	}
	defer s.conns.release(user.ID)
	w := &wsConn{s: s, conn: conn, user: user, session: sessionID, out: newOutbox(wsSendBuffer), subs: map[string]*wsSub{}, closed: make(chan struct{})}
	s.sockets.add(user.ID, w)
	defer s.sockets.remove(user.ID, w)
	done := make(chan struct{})
	go func() { defer close(done); w.writeLoop() }()
	w.frame(map[string]string{"type": "ready", "userId": user.ID})
	w.readLoop()
	w.closeWith(websocket.CloseNormalClosure, "")
	w.mu.Lock()
	for stream, sub := range w.subs {
		s.hub.Unsubscribe(stream, sub)
	}
	w.mu.Unlock()
	<-done
}

// wsSignIn is the connection's user and session: from the upgrade's cookie
// or Authorization header, else from a first {"type":"auth"} frame.
func (s *Server) wsSignIn(conn *websocket.Conn) (models.User, string, int, error) {
	if e, ok := conn.Locals(localWSAuthError).(*Error); ok {
		code := closeUnauthorized
		if e.Status >= 500 {
			code = websocket.CloseTryAgainLater
		}
		return models.User{}, "", code, errors.New(e.Message)
	}
	if u, ok := conn.Locals(localWSUser).(models.User); ok {
		sessionID, _ := conn.Locals(localWSSession).(string)
		return u, sessionID, 0, nil
	}
	return s.wsAuthenticate(conn)
}

func (s *Server) wsAuthenticate(conn *websocket.Conn) (models.User, string, int, error) {
	_ = conn.SetReadDeadline(time.Now().Add(wsAuthTimeout))
	_, msg, err := conn.ReadMessage()
	if err != nil {
		if errors.Is(err, websocket.ErrReadLimit) {
			return models.User{}, "", websocket.CloseMessageTooBig, errors.New("frame too large")
		}
		return models.User{}, "", closeAuthTimeout, errors.New("authenticate within 5 seconds")
	}
	var f clientFrame
	if json.Unmarshal(msg, &f) != nil || f.Type != "auth" || f.Token == "" {
		return models.User{}, "", closeUnauthorized, errors.New(`first frame must be {"type":"auth","token":…}`)
	}
	u, sessionID, err := s.userOfToken(s.ctx, f.Token)
	var refused *Error
	switch {
	case errors.As(err, &refused):
		return models.User{}, "", closeUnauthorized, errors.New(refused.Message)
	case err != nil:
		// Not the token's fault: the client should come back, not sign in again.
		return models.User{}, "", websocket.CloseTryAgainLater, errors.New("the platform cannot check your session right now; try again")
	}
	return u, sessionID, 0, nil
}
