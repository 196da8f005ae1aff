package api

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/forgeai/platform/internal/events"
)

// A delta of any size and content becomes chat.delta frames that each fit
// events.MaxFrameBytes, split at character boundaries, and concatenate to
// the delta; a short one stays one frame.
func TestDeltaFramesFitAndConcatenate(t *testing.T) {
	stream := "chat:0b6a3c9e-8f3a-4d5e-9a51-3f1c2d4e5f60"
	cases := map[string]string{
		"short":    "Hello",
		"ascii":    strings.Repeat("abcdefghij", 3000),
		"escaped":  strings.Repeat(`<&>"\`+"\n\x01", 4000),
		"emoji":    strings.Repeat("héllo 🚀 ", 2500),
		"lineSep":  strings.Repeat("\u2028x", 5000),
		"invalid":  strings.Repeat("a\xff", 7000),
		"atLimit":  strings.Repeat("z", events.MaxFrameBytes),
		"oneRune":  strings.Repeat("é", events.MaxFrameBytes/2+1),
		"mixedBig": strings.Repeat("x", 20000) + "<" + strings.Repeat("ü", 9000),
	}
	for name, delta := range cases {
		t.Run(name, func(t *testing.T) {
			frames := deltaFrames(stream, delta)
			var text strings.Builder
			for i, f := range frames {
				if len(f) > events.MaxFrameBytes {
					t.Fatalf("frame %d is %d bytes, over %d", i, len(f), events.MaxFrameBytes)
				}
				var m map[string]string
				if err := json.Unmarshal(f, &m); err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if m["type"] != "chat.delta" || m["stream"] != stream {
					t.Fatalf("frame %d: %v", i, m)
				}
				text.WriteString(m["delta"])
			}
			if want := strings.ToValidUTF8(delta, "\uFFFD"); text.String() != want {
				t.Fatalf("frames concatenate to %d bytes, want %d", text.Len(), len(want))
			}
			if name == "short" && len(frames) != 1 {
				t.Fatalf("a short delta became %d frames", len(frames))
			}
			if utf8.ValidString(delta) && len(frames) > 1 && len(frames[0]) < events.MaxFrameBytes/2 {
				t.Fatalf("first frame only %d bytes: split too finely", len(frames[0]))
			}
		})
	}
}
