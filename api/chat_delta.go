package api

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/forgeai/platform/internal/events"
)

// deltaFrames encodes a chat delta as chat.delta WebSocket frames of at most
// events.MaxFrameBytes each, so that every frame can reach the subscribers
// of other api instances (a Postgres NOTIFY payload is bounded). A longer
// delta is split at character boundaries into consecutive deltas, which
// concatenate to the same text.
func deltaFrames(stream, delta string) [][]byte {
	encode := func(d string) []byte {
		b, _ := json.Marshal(map[string]string{"type": "chat.delta", "stream": stream, "delta": d})
		return b
	}
	if f := encode(delta); len(f) <= events.MaxFrameBytes {
		return [][]byte{f}
	}
	budget := max(events.MaxFrameBytes-len(encode("")), 6)
	var frames [][]byte
	start, size := 0, 0
	for i := 0; i < len(delta); {
		r, n := utf8.DecodeRuneInString(delta[i:])
		if w := jsonLen(r, n); size+w > budget {
			frames = append(frames, encode(delta[start:i]))
			start, size = i, 0
		}
		size += jsonLen(r, n)
		i += n
	}
	return append(frames, encode(delta[start:]))
}

// jsonLen bounds the bytes encoding/json writes for a rune of n bytes in a
// string (HTML characters, control characters and invalid bytes are escaped).
func jsonLen(r rune, n int) int {
	switch {
	case r == utf8.RuneError && n == 1:
		return 6 // \ufffd
	case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
		return 2
	case r < 0x20 || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029':
		return 6
	default:
		return n
	}
}
