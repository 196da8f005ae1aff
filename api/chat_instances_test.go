package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/forgeai/platform/api"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
)

// longAnswer streams a few small deltas around one far larger than a
// NOTIFY payload.
type longAnswer struct{ *ai.Offline }

var longDeltas = []string{"Hello", ", ", strings.Repeat("<ünïcode & 🚀 \"quotes\"\n", 1500), "the end."}

func (longAnswer) Name() string  { return "long" }
func (longAnswer) Model() string { return "long-1" }
func (longAnswer) Chat(_ context.Context, _ ai.ChatRequest, onDelta func(string)) (ai.ChatResult, error) {
	for _, d := range longDeltas {
		onDelta(d)
	}
	return ai.ChatResult{Content: strings.Join(longDeltas, ""), FinishReason: "stop", Provider: "long", Model: "long-1"}, nil
}

// postgresURL is the DATABASE_URL of the store's schema.
func postgresURL(t *testing.T, store *models.Store) string {
	t.Helper()
	db, err := store.SQL()
	if err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := db.QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		base = testdb.DefaultPostgresURL
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

type countingSub struct{ n atomic.Int32 }

func (s *countingSub) Deliver(*events.Delivery) bool { return true }
func (s *countingSub) Dropped(string, string)        {}
func (s *countingSub) Ephemeral([]byte)              { s.n.Add(1) }

// A chat answered by one api instance streams its deltas to a WebSocket
// subscriber of another instance on the same database, in order, a delta
// too large for one NOTIFY included, all before the durable chat.message.
func TestChatDeltasReachAnotherInstance(t *testing.T) {
	h := newHarness(t, config.Postgres, options{devMode: true, provider: longAnswer{ai.NewOffline()}})
	dsn := postgresURL(t, h.store)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))

	// Instance one is the harness's app; instance two shares its database.
	pub1 := events.NewPublisher(dsn, quiet)
	h.hub.RelayTo(pub1)
	go pub1.Run(ctx)
	go events.Listen(ctx, dsn, h.hub, nil, quiet)
	hub2 := events.NewHub(ctx, h.store, 0, quiet)
	pub2 := events.NewPublisher(dsn, quiet)
	hub2.RelayTo(pub2)
	go pub2.Run(ctx)
	go events.Listen(ctx, dsn, hub2, nil, quiet)
	tokens, err := auth.NewTokens(testSecret, "forgeai-platform", "forgeai-api", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	app2 := api.New(api.Options{Store: h.store, Tokens: tokens, Logger: quiet, Registry: prometheus.NewRegistry(), DevMode: true,
		BodyLimit: 64 << 10, Version: "test", Hub: hub2, Context: ctx, AppsBaseURL: "http://apps.test",
		Limits: api.StreamLimits{ConnectionsPerUser: 3, SubscriptionsPerConn: 2}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app2.Listener(ln) }()
	t.Cleanup(func() { _ = app2.ShutdownWithTimeout(2 * time.Second) })
	addr1, addr2 := h.serve(), ln.Addr().String()

	// Wait until instance one publishes and instance two listens.
	probe := "chat:" + uuid.NewString()
	heard := &countingSub{}
	hub2.Subscribe(probe, 0, heard)
	for deadline := time.Now().Add(10 * time.Second); heard.n.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("instance two never heard instance one")
		}
		h.hub.Broadcast(probe, []byte(`{"type":"probe"}`))
		time.Sleep(50 * time.Millisecond)
	}

	token, _, _ := h.login("alice@example.com")
	var cs struct{ ID, Stream string }
	h.do("POST", "/api/chat/sessions", token, map[string]any{"sessionType": "onboarding"}).expect(t, 201).data(t, &cs)
	ws := authWS(t, addr2, token)
	send(t, ws, map[string]any{"type": "subscribe", "stream": cs.Stream, "after": 0})
	read(t, ws)
	// The acknowledgement is queued before instance two's hub registers the
	// subscription (after reading the stream's backlog): deltas, which are
	// not stored, broadcast in between would be missed. Wait for it.
	for deadline := time.Now().Add(10 * time.Second); hub2.Subscribers() < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("instance two's hub holds %d subscriptions, want 2 (the probe and the socket)", hub2.Subscribers())
		}
	}

	// The user's own message is an event too; the turn's deltas come next.
	_, done := lastDone(t, chat(t, addr1, token, cs.ID, "Say something long"))
	if done.MessageID == "" {
		t.Fatalf("done %+v", done)
	}
	var text strings.Builder
	deltas := 0
	for {
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v (deltas so far %d, %d bytes)", err, deltas, text.Len())
		}
		var f struct{ Type, Event, Stream, Delta string }
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		if f.Type == "chat.delta" {
			if f.Stream != cs.Stream || len(b) > events.MaxFrameBytes {
				t.Fatalf("a %d-byte delta of stream %q", len(b), f.Stream)
			}
			deltas++
			text.WriteString(f.Delta)
		}
		if f.Type == "event" && f.Event == "chat.message" && strings.Contains(string(b), `"assistant"`) {
			break
		}
	}
	if want := strings.Join(longDeltas, ""); text.String() != want {
		t.Fatalf("instance two's subscriber got %d bytes of deltas before the message, want %d", text.Len(), len(want))
	}
	if deltas <= len(longDeltas) {
		t.Fatalf("the long delta was not split: %d frames", deltas)
	}
}
