package owasp_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// derivedKey is a signing key as the platform derives it from JWT_SECRET
// for a purpose, and the key id tokens name it by (internal/auth/keys.go).
// The suite forges tokens with it: a token it signs right is accepted (the
// control below), so each forgery is refused for the flaw it has.
func derivedKey(secret, purpose string) (key []byte, kid string) {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(purpose))
	key = mac.Sum(nil)
	id := sha256.Sum256(append([]byte("kid:"), key...))
	return key, hex.EncodeToString(id[:6])
}

const (
	accessPurpose   = "forgeai access tokens v1"
	decisionPurpose = "forgeai approval decision tokens v1"
)

// claimsOf reads a token's claims without checking it.
func claimsOf(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		t.Fatalf("parse token: %v", err)
	}
	return claims
}

// forge signs claims with key under method, naming kid ("" names none).
func forge(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

// unsigned is a token with alg as given and no signature.
func unsigned(header, claims map[string]any) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "."
}

func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// unauthenticated checks an answer is 401 and shows nothing of the user's.
func unauthenticated(r reply, email string) error {
	if err := r.is(401); err != nil {
		return err
	}
	if email != "" && strings.Contains(string(r.Body), email) {
		return fmt.Errorf("the 401 shows %s", email)
	}
	return nil
}

func TestAPI2_BrokenAuthentication(t *testing.T) {
	p := requirePlatform(t)
	t.Cleanup(func() { p.dumpLogs(t) })
	key, kid := derivedKey(jwtSecret, accessPurpose)
	real := claimsOf(t, w.alice.token)
	now := time.Now()
	fresh := with(real, "jti", uuid.NewString(), "iat", now.Unix(), "nbf", now.Unix(), "exp", now.Add(10*time.Minute).Unix())

	// Control: the suite forges like the platform signs, so the forgeries
	// below differ from a good token only by what each changes.
	control := &client{base: p.base, token: forge(t, jwt.SigningMethodHS256, key, kid, fresh), xff: newAddress()}
	if r := control.do(t, "GET", "/api/user/profile", nil); r.Status != 200 {
		t.Fatalf("a token the suite signs like the platform is refused (%s): the forgeries below would prove nothing", r)
	}

	parts := strings.Split(w.alice.token, ".")
	adminClaims, _ := json.Marshal(with(real, "sub", w.admin.user.ID))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(adminClaims) + "." + parts[2]
	decisionKey, decisionKid := derivedKey(jwtSecret, decisionPurpose)
	var dt struct{ Token string }
	w.tech.call(t, "POST", "/api/approvals/"+w.aliceApproval+"/decision-token", map[string]string{"decision": "reject"}, 200, &dt)
	otherSecretKey, _ := derivedKey("another-secret-0123456789-0123456789-xyz", accessPurpose)

	forged := []struct{ name, header string }{
		{"no token", ""},
		{"empty bearer", "Bearer "},
		{"garbage bearer", "Bearer not.a.jwt"},
		{"basic credentials", "Basic " + base64.StdEncoding.EncodeToString([]byte(w.alice.user.Email+":password"))},
		{"alg none", "Bearer " + unsigned(map[string]any{"alg": "none", "typ": "JWT", "kid": kid}, fresh)},
		{"alg None", "Bearer " + unsigned(map[string]any{"alg": "None", "typ": "JWT", "kid": kid}, fresh)},
		{"alg none with alice's real signature", "Bearer " + strings.TrimSuffix(unsigned(map[string]any{"alg": "none", "kid": kid}, real), ".") + "." + parts[2]},
		{"signed with another secret's key", "Bearer " + forge(t, jwt.SigningMethodHS256, otherSecretKey, kid, fresh)},
		{"signed with JWT_SECRET itself, not its derived key", "Bearer " + forge(t, jwt.SigningMethodHS256, []byte(jwtSecret), kid, fresh)},
		{"signed with the decision-token key", "Bearer " + forge(t, jwt.SigningMethodHS256, decisionKey, decisionKid, fresh)},
		{"HS512 with the right key", "Bearer " + forge(t, jwt.SigningMethodHS512, key, kid, fresh)},
		{"HS384 with the right key", "Bearer " + forge(t, jwt.SigningMethodHS384, key, kid, fresh)},
		{"unknown kid", "Bearer " + forge(t, jwt.SigningMethodHS256, key, "0123456789ab", fresh)},
		{"no kid", "Bearer " + forge(t, jwt.SigningMethodHS256, key, "", fresh)},
		{"kid naming the decision key", "Bearer " + forge(t, jwt.SigningMethodHS256, key, decisionKid, fresh)},
		{"expired an hour ago", "Bearer " + forge(t, jwt.SigningMethodHS256, key, kid, with(fresh, "iat", now.Add(-2*time.Hour).Unix(), "nbf", now.Add(-2*time.Hour).Unix(), "exp", now.Add(-time.Hour).Unix()))},
		{"issued in the future", "Bearer " + forge(t, jwt.SigningMethodHS256, key, kid, with(fresh, "iat", now.Add(time.Hour).Unix(), "nbf", now.Add(time.Hour).Unix(), "exp", now.Add(2*time.Hour).Unix()))},
		{"no expiry", "Bearer " + forge(t, jwt.SigningMethodHS256, key, kid, with(fresh, "exp", nil))},
		{"another issuer", "Bearer " + forge(t, jwt.SigningMethodHS256, key, kid, with(fresh, "iss", "evil"))},
		{"another audience", "Bearer " + forge(t, jwt.SigningMethodHS256, key, kid, with(fresh, "aud", []string{"forgeai-approval-decision"}))},
		{"tampered claims (sub = admin) under alice's signature", "Bearer " + tampered},
		{"right key, sub = admin with alice's session", "Bearer " + forge(t, jwt.SigningMethodHS256, key, kid, with(fresh, "sub", w.admin.user.ID))},
		{"right key, a session that does not exist", "Bearer " + forge(t, jwt.SigningMethodHS256, key, kid, with(fresh, "sid", uuid.NewString()))},
		{"right key, no session", "Bearer " + forge(t, jwt.SigningMethodHS256, key, kid, with(fresh, "sid", nil))},
		{"right key, session id that is not a uuid", "Bearer " + forge(t, jwt.SigningMethodHS256, key, kid, with(fresh, "sid", "' OR '1'='1"))},
		{"a decision token as an access token", "Bearer " + dt.Token},
		{"alice's refresh token as an access token", "Bearer " + w.alice.refresh},
	}
	t.Run("forged, expired and foreign tokens", func(t *testing.T) {
		for _, f := range forged {
			for _, path := range []string{"/api/user/profile", "/api/projects/" + w.aliceProject} {
				attack(t, API2, f.name+" on "+path, func() error {
					c := anonymous(p.base)
					var hdr []string
					if f.header != "" {
						hdr = []string{"Authorization", f.header}
					}
					return unauthenticated(c.do(t, "GET", path, nil, hdr...), w.alice.user.Email)
				})
			}
		}
		attack(t, API2, "a token in the query string", func() error {
			return unauthenticated(anonymous(p.base).do(t, "GET", "/api/user/profile?access_token="+w.alice.token+"&token="+w.alice.token, nil), w.alice.user.Email)
		})
	})

	t.Run("forged tokens on the WebSocket", func(t *testing.T) {
		for _, f := range forged {
			tok, ok := strings.CutPrefix(f.header, "Bearer ")
			if !ok || strings.TrimSpace(tok) == "" {
				continue
			}
			attack(t, API2, "WebSocket auth frame: "+f.name, func() error {
				s, _, err := dialSocket(p.base, tok, nil)
				if err != nil {
					return fmt.Errorf("dial: %w", err)
				}
				defer s.close()
				fr, err := s.next(10 * time.Second)
				if err == nil {
					return fmt.Errorf("signed in: %+v", fr)
				}
				if code := closeCode(err); code != 4401 {
					return fmt.Errorf("closed with %d (%v), want 4401", code, err)
				}
				return nil
			})
		}
	})

	t.Run("cookie without its CSRF token", func(t *testing.T) {
		u, err := p.newUser("csrf")
		if err != nil {
			t.Fatal(err)
		}
		other, err := p.newUser("csrf-other")
		if err != nil {
			t.Fatal(err)
		}
		cookie := (&http.Cookie{Name: "forge_access", Value: u.token}).String()
		browser := &client{base: p.base, xff: u.xff}
		if r := browser.do(t, "GET", "/api/user/profile", nil, "Cookie", cookie); r.Status != 200 {
			t.Fatalf("control: the session cookie alone reads the profile: %s", r)
		}
		for _, tc := range []struct{ name, csrf string }{
			{"no X-CSRF-Token", ""},
			{"a made-up X-CSRF-Token", "deadbeef"},
			{"another session's CSRF token", other.csrf},
		} {
			attack(t, API2, "cookie-authenticated PATCH with "+tc.name, func() error {
				hdr := []string{"Cookie", cookie}
				if tc.csrf != "" {
					hdr = append(hdr, "X-CSRF-Token", tc.csrf)
				}
				r := browser.do(t, "PATCH", "/api/user/profile", map[string]string{"name": "csrf victim"}, hdr...)
				if err := r.is(401, 403); err != nil {
					return err
				}
				var me user
				u.call(t, "GET", "/api/user/profile", nil, 200, &me)
				if me.Name == "csrf victim" {
					return fmt.Errorf("the profile changed")
				}
				return nil
			})
		}
	})

	t.Run("revoked sessions and deactivated users, on both instances", func(t *testing.T) {
		gone, err := p.newUser("logged-out")
		if err != nil {
			t.Fatal(err)
		}
		s, _, err := dialSocket(p.base2, gone.token, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.close()
		if err := s.ready(); err != nil {
			t.Fatal(err)
		}
		// Both instances know the session (each keeps live sessions in memory).
		gone.call(t, "GET", "/api/user/profile", nil, 200, nil)
		gone.on(p.base2).call(t, "GET", "/api/user/profile", nil, 200, nil)
		gone.call(t, "POST", "/api/auth/logout", nil, 204, nil)
		for _, base := range []string{p.base, p.base2} {
			attack(t, API2, "the access token of a logged-out session on "+base, func() error {
				return eventually(5*time.Second, func() error { return unauthenticated(gone.on(base).do(t, "GET", "/api/user/profile", nil), "") })
			})
		}
		attack(t, API2, "the refresh token of a logged-out session", func() error {
			return unauthenticated(anonymous(p.base).do(t, "POST", "/api/auth/refresh", map[string]string{"refreshToken": gone.refresh}), "")
		})
		attack(t, API2, "a WebSocket of a logged-out session stays open", func() error {
			for {
				_, err := s.next(10 * time.Second)
				if err == nil {
					continue
				}
				if code := closeCode(err); code != 4401 {
					return fmt.Errorf("closed with %d (%v), want 4401", code, err)
				}
				return nil
			}
		})

		victim, err := p.newUser("deactivated")
		if err != nil {
			t.Fatal(err)
		}
		victim.on(p.base2).call(t, "GET", "/api/user/profile", nil, 200, nil)
		w.admin.call(t, "POST", "/api/admin/users/"+victim.user.ID+"/deactivate", nil, 200, nil)
		for _, base := range []string{p.base, p.base2} {
			attack(t, API2, "a deactivated user's token on "+base, func() error {
				return eventually(5*time.Second, func() error { return unauthenticated(victim.on(base).do(t, "GET", "/api/projects", nil), "") })
			})
		}
		attack(t, API2, "a deactivated user signs in again", func() error {
			r := anonymous(p.base).do(t, "POST", "/api/auth/dev-login", map[string]string{"email": victim.user.Email})
			if err := r.is(401, 403); err != nil {
				return err
			}
			if strings.Contains(string(r.Body), `"token"`) {
				return fmt.Errorf("got a token: %s", r)
			}
			return nil
		})
		attack(t, API2, "a deactivated user refreshes", func() error {
			return unauthenticated(anonymous(p.base).do(t, "POST", "/api/auth/refresh", map[string]string{"refreshToken": victim.refresh}), "")
		})
	})

	t.Run("a rotated refresh token used again", func(t *testing.T) {
		t.Parallel()
		u, err := p.newUser("rotated")
		if err != nil {
			t.Fatal(err)
		}
		var next struct{ Token, RefreshToken string }
		anonymous(p.base).call(t, "POST", "/api/auth/refresh", map[string]string{"refreshToken": u.refresh}, 200, &next)
		time.Sleep(11 * time.Second) // past the grace that lets tabs refreshing at once share a token
		attack(t, API2, "a rotated refresh token replayed after the grace", func() error {
			return unauthenticated(anonymous(p.base).do(t, "POST", "/api/auth/refresh", map[string]string{"refreshToken": u.refresh}), "")
		})
		attack(t, API2, "the session a replayed refresh token belonged to", func() error {
			// Reuse means theft: the whole session ends, the thief's new tokens too.
			if err := unauthenticated(anonymous(p.base).do(t, "POST", "/api/auth/refresh", map[string]string{"refreshToken": next.RefreshToken}), ""); err != nil {
				return err
			}
			c := &client{base: p.base, token: next.Token, xff: u.xff}
			return unauthenticated(c.do(t, "GET", "/api/user/profile", nil), "")
		})
	})
}

// eventually retries check until it passes or d is over (changes reach
// every instance through Postgres notifications, in milliseconds).
func eventually(d time.Duration, check func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := check()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
