package owasp_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// limited checks a 429 names its limit and says when to come back.
func limited(r reply) error {
	if err := r.is(429); err != nil {
		return err
	}
	if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 {
		return fmt.Errorf("429 without a usable Retry-After (%q)", r.Header.Get("Retry-After"))
	}
	if c := r.code(); c != "rate_limited" && c != "quota_exceeded" {
		return fmt.Errorf("429 with code %q", c)
	}
	return nil
}

// until sends requests until one answers 429 and returns it and how many
// were sent; at most n.
func until(n int, send func(i int) reply) (reply, int) {
	var r reply
	for i := 1; i <= n; i++ {
		if r = send(i); r.Status == 429 {
			return r, i
		}
	}
	return r, n
}

func TestAPI4_UnrestrictedResourceConsumption(t *testing.T) {
	p := requirePlatform(t)
	t.Cleanup(func() { p.dumpLogs(t) })
	u, err := p.newUser("greedy")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := u.templateID("patient-intake")
	if err != nil {
		t.Fatal(err)
	}
	projectID, err := u.newProject("Greedy "+runID, "Greedy")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("bodies, pages and fields have bounds", func(t *testing.T) {
		big := `{"name":"x","templateId":"` + tpl + `","description":"` + strings.Repeat("A", 2<<20) + `"}`
		attack(t, API4, "a 2 MiB body", func() error {
			return u.sendOversized(t, "POST", "/api/projects", big).is(413)
		})
		attack(t, API4, "a 3 MiB body sent chunked, without Content-Length", func() error {
			req, _ := http.NewRequest("PATCH", p.base+"/api/user/profile", io.MultiReader(strings.NewReader(`{"company":"`),
				strings.NewReader(strings.Repeat("A", 3<<20)), strings.NewReader(`"}`)))
			req.Header.Set("Authorization", "Bearer "+u.token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := httpClient.Do(req)
			if err != nil {
				return nil // the connection was closed on the attacker: refused
			}
			defer resp.Body.Close()
			if resp.StatusCode/100 == 2 || resp.StatusCode >= 500 {
				return fmt.Errorf("answered %d", resp.StatusCode)
			}
			return nil
		})
		for _, q := range []string{"pageSize=1000", "pageSize=101", "pageSize=-1", "page=0", "page=99999999999999999999", "pageSize=1e3", "pageSize=0x64"} {
			for _, path := range []string{"/api/templates", "/api/projects", "/api/notifications", "/api/chat/sessions", "/api/approvals", "/api/projects/" + projectID + "/deployments"} {
				attack(t, API4, "GET "+path+"?"+q, func() error { return u.do(t, "GET", path+"?"+q, nil).is(400) })
			}
			for _, path := range []string{"/api/admin/users", "/api/audit", "/api/admin/deployments"} {
				attack(t, API4, "GET "+path+"?"+q+" as admin", func() error { return w.admin.do(t, "GET", path+"?"+q, nil).is(400) })
			}
		}
		attack(t, API4, "a 1,000-character search", func() error {
			return u.do(t, "GET", "/api/templates?q="+strings.Repeat("a", 1000), nil).is(400)
		})
		attack(t, API4, "a 10,000-character search", func() error {
			return u.do(t, "GET", "/api/templates?q="+strings.Repeat("a", 10000), nil).is(400, 414, 431)
		})
		attack(t, API4, "preferences over 8 KiB", func() error {
			return u.do(t, "PATCH", "/api/user/profile", map[string]any{"preferences": map[string]string{"x": strings.Repeat("A", 9<<10)}}).is(400)
		})
		attack(t, API4, "a configuration over 64 KiB", func() error {
			r := u.do(t, "PATCH", "/api/projects/"+projectID, map[string]any{"configuration": map[string]any{"appName": strings.Repeat("A", 70<<10)}})
			return r.is(400, 413, 422)
		})
		attack(t, API4, "a chat message over 8,000 characters", func() error {
			var cs struct{ ID string }
			u.call(t, "POST", "/api/chat/sessions", map[string]string{"sessionType": "onboarding"}, 201, &cs)
			return u.do(t, "POST", "/api/chat/sessions/"+cs.ID+"/messages", map[string]string{"content": strings.Repeat("A", 9000)}).is(400)
		})
		attack(t, API4, "JSON nested 100,000 deep", func() error {
			start := time.Now()
			r := u.do(t, "PATCH", "/api/user/profile", `{"preferences":{"x":`+strings.Repeat("[", 100000)+strings.Repeat("]", 100000)+`}}`)
			if time.Since(start) > 5*time.Second {
				return fmt.Errorf("took %s", time.Since(start))
			}
			return r.is(400, 413)
		})
		attack(t, API4, "a 100 KB request line", func() error {
			r, err := u.send("GET", "/api/templates?q="+strings.Repeat("a", 100<<10), nil)
			if err != nil {
				return nil // closed on the attacker
			}
			if r.Status/100 == 2 || r.Status >= 500 {
				return fmt.Errorf("answered %s", r)
			}
			return nil
		})
		attack(t, API4, "an Idempotency-Key of 10 KB", func() error {
			return u.do(t, "POST", "/api/projects/"+projectID+"/deployments", nil, "Idempotency-Key", strings.Repeat("k", 10<<10)).is(400, 431)
		})
		attack(t, API4, "a template with 201 scaffold files", func() error {
			body := scaffoldTemplate("Many Files "+runID, nil, boardPage)
			files := []map[string]string{{"path": "index.html", "content": boardPage}}
			for i := range 200 {
				files = append(files, map[string]string{"path": fmt.Sprintf("f%03d.css", i), "content": "p{}"})
			}
			body["scaffold"] = files
			return w.tech.do(t, "POST", "/api/templates", body).is(400)
		})
	})

	t.Run("hostile scaffolds are refused quickly while the API answers", func(t *testing.T) {
		const head = `<!doctype html><html><head><title>Board</title></head><body>`
		hostile := map[string]string{
			"range over a huge count":   head + `{{range 1000000000000}}AAAA{{end}}</body></html>`,
			"range over a variable":     head + `{{$n := 1000000000000}}{{range $n}}{{end}}</body></html>`,
			"nested ranges":             head + `{{range 1000}}{{range 1000}}{{range 1000}}A{{end}}{{end}}{{end}}</body></html>`,
			"printf padding":            head + `{{printf "%0999999999d" 1}}</body></html>`,
			"string doubling":           head + `{{$x := "AAAAAAAA"}}{{range 64}}{{$x = printf "%s%s" $x $x}}{{end}}</body></html>`,
			"recursive template":        head + `{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}</body></html>`,
			"ranges nested 20 deep":     head + strings.Repeat(`{{range .Config.l}}<a href="{{.}}">`, 20) + strings.Repeat("</a>{{end}}", 20) + `</body></html>`,
			"output over the file size": head + `{{range 100000}}{{$.Config.appName}}{{$.Config.appName}}{{end}}</body></html>`,
		}
		stop := make(chan struct{})
		var slowest time.Duration
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			probe := anonymous(p.base)
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				start := time.Now()
				if r, err := probe.send("GET", "/healthz", nil); err != nil || r.Status != 200 {
					slowest = time.Hour
				}
				slowest = max(slowest, time.Since(start))
			}
		}()
		i := 0
		for name, page := range hostile {
			i++
			attack(t, API4, "hostile scaffold: "+name, func() error {
				start := time.Now()
				schema := map[string]any{"type": "object", "properties": map[string]any{
					"appName": map[string]any{"type": "string", "default": strings.Repeat("A", 100), "maxLength": 200}}}
				r := w.tech.do(t, "POST", "/api/templates", scaffoldTemplate(fmt.Sprintf("Hostile %d %s", i, runID), schema, page))
				if took := time.Since(start); took > 15*time.Second {
					return fmt.Errorf("answered after %s", took)
				}
				if err := r.is(422); err != nil {
					return err
				}
				if r.code() != "invalid_scaffold" {
					return fmt.Errorf("code %q", r.code())
				}
				return nil
			})
		}
		close(stop)
		wg.Wait()
		attack(t, API4, "the API kept answering during hostile scaffolds", func() error {
			if slowest > 5*time.Second { // generous: make test runs every package at once on a small machine
				return fmt.Errorf("a health check took %s", slowest)
			}
			return nil
		})
	})

	t.Run("per-address sign-in limit", func(t *testing.T) {
		c := anonymous(p.base)
		r, n := until(signInPerMinute+5, func(int) reply {
			return c.do(t, "POST", "/api/auth/refresh", map[string]string{"refreshToken": "guess"})
		})
		attack(t, API4, fmt.Sprintf("guessing refresh tokens from one address (429 after %d)", n), func() error {
			if n > signInPerMinute+1 {
				return fmt.Errorf("no 429 after %d requests", n)
			}
			return limited(r)
		})
		r, n = until(signInPerMinute+5, func(i int) reply {
			return c.do(t, "POST", "/api/auth/dev-login", map[string]string{"email": fmt.Sprintf("spray%d-%s@owasp.test", i, runID)})
		})
		attack(t, API4, "signing in from the same address", func() error {
			if n > 1 {
				return fmt.Errorf("%d sign-ins went through after the limit", n-1)
			}
			return limited(r)
		})
		// The second instance trusts no proxy: a client that makes up a
		// new X-Forwarded-For for each request is still one address.
		spoof := anonymous(p.base2)
		r, n = until(signInPerMinute+5, func(i int) reply {
			spoof.xff = fmt.Sprintf("203.0.113.%d", i)
			return spoof.do(t, "POST", "/api/auth/refresh", map[string]string{"refreshToken": "guess"})
		})
		attack(t, API4, "a made-up X-Forwarded-For per request, to an instance that trusts no proxy", func() error {
			if n > signInPerMinute+1 {
				return fmt.Errorf("no 429 after %d requests", n)
			}
			return limited(r)
		})
	})

	t.Run("per-user deployment and code generation limits", func(t *testing.T) {
		r, n := until(deploymentsPerHour+5, func(int) reply { return u.do(t, "POST", "/api/projects/"+projectID+"/deployments", nil) })
		attack(t, API4, fmt.Sprintf("deployments in a burst (429 after %d)", n), func() error {
			if r.Status != 429 {
				return fmt.Errorf("no 429 after %d deployments: %s", n, r)
			}
			return limited(r)
		})
	})

	t.Run("daily AI token budget and chat rate", func(t *testing.T) {
		spender, err := p.newUser("spender")
		if err != nil {
			t.Fatal(err)
		}
		spent, err := spender.newProject("Spender "+runID, "Spender")
		if err != nil {
			t.Fatal(err)
		}
		session, _, err := spender.chatProposal(spent, "please "+chatBurnBudget)
		if err != nil {
			t.Fatal(err)
		}
		attack(t, API4, "chat after the day's AI tokens are spent", func() error {
			return limited(spender.do(t, "POST", "/api/chat/sessions/"+session+"/messages", map[string]string{"content": "more"}))
		})
		attack(t, API4, "code generation (deploy) after the day's AI tokens are spent", func() error {
			return limited(spender.do(t, "POST", "/api/projects/"+spent+"/deployments", nil))
		})
		chatty, err := p.newUser("chatty")
		if err != nil {
			t.Fatal(err)
		}
		var cs struct{ ID string }
		chatty.call(t, "POST", "/api/chat/sessions", map[string]string{"sessionType": "onboarding"}, 201, &cs)
		r, n := until(chatPerMinute+5, func(int) reply {
			return chatty.do(t, "POST", "/api/chat/sessions/"+cs.ID+"/messages", map[string]string{"content": "hello"})
		})
		attack(t, API4, fmt.Sprintf("chat messages in a burst (429 after %d)", n), func() error {
			if n > chatPerMinute+1 {
				return fmt.Errorf("no 429 after %d messages", n)
			}
			return limited(r)
		})
	})

	t.Run("WebSocket bounds", func(t *testing.T) {
		ws, err := p.newUser("sockets")
		if err != nil {
			t.Fatal(err)
		}
		var open []*socket
		defer func() {
			for _, s := range open {
				s.close()
			}
		}()
		for range wsMaxConnections {
			s, _, err := dialSocket(p.base, ws.token, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.ready(); err != nil {
				t.Fatal(err)
			}
			open = append(open, s)
		}
		attack(t, API4, "one connection more than a user may hold", func() error {
			s, _, err := dialSocket(p.base, ws.token, nil)
			if err != nil {
				return nil
			}
			defer s.close()
			f, err := s.next(10 * time.Second)
			if err == nil {
				return fmt.Errorf("got %+v", f)
			}
			if code := closeCode(err); code != 4429 {
				return fmt.Errorf("closed with %d (%v), want 4429", code, err)
			}
			return nil
		})
		// Subscriptions to the user's own streams: one more than allowed.
		s := open[0]
		streams := []string{"user:" + ws.user.ID}
		for len(streams) <= wsMaxSubscriptions {
			var cs struct{ ID string }
			ws.call(t, "POST", "/api/chat/sessions", map[string]string{"sessionType": "onboarding"}, 201, &cs)
			streams = append(streams, "chat:"+cs.ID)
		}
		var last frame
		for _, st := range streams {
			if err := s.send(map[string]any{"type": "subscribe", "stream": st}); err != nil {
				t.Fatal(err)
			}
			for {
				f, err := s.next(10 * time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if f.Stream == st && (f.Type == "subscribed" || f.Type == "error") {
					last = f
					break
				}
			}
		}
		attack(t, API4, "one subscription more than a connection may hold", func() error {
			if last.Type != "error" || last.Code != "too_many_subscriptions" {
				return fmt.Errorf("the %d-th subscription: %+v", len(streams), last)
			}
			return nil
		})
		attack(t, API4, "a WebSocket frame over 64 KiB", func() error {
			big := open[1]
			if err := big.send(map[string]any{"type": "subscribe", "stream": strings.Repeat("A", 70<<10)}); err != nil {
				return nil
			}
			for {
				_, err := big.next(10 * time.Second)
				if err == nil {
					continue
				}
				if code := closeCode(err); code != 1009 {
					return fmt.Errorf("closed with %d (%v), want 1009", code, err)
				}
				return nil
			}
		})
		attack(t, API4, "a WebSocket that never signs in", func() error {
			s, _, err := dialSocket(p.base, "", nil)
			if err != nil {
				return nil
			}
			defer s.close()
			start := time.Now()
			_, err = s.next(15 * time.Second)
			if code := closeCode(err); code != 4408 {
				return fmt.Errorf("closed with %d (%v) after %s, want 4408", code, err, time.Since(start))
			}
			return nil
		})
		attack(t, API4, "a first WebSocket frame over 64 KiB", func() error {
			s, _, err := dialSocket(p.base, "", nil)
			if err != nil {
				return nil
			}
			defer s.close()
			_ = s.send(map[string]any{"type": "auth", "token": string(bytes.Repeat([]byte("A"), 70<<10))})
			_, err = s.next(10 * time.Second)
			if code := closeCode(err); code != 1009 {
				return fmt.Errorf("closed with %d (%v), want 1009", code, err)
			}
			return nil
		})
	})
}
