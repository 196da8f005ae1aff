package oidc_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// The tests sign in against mockoidc, a real OIDC provider serving discovery,
// JWKS, authorize and token endpoints in-process and signing ID tokens with its
// own RSA key. Its users are testUsers, whose claims each test chooses; a
// middleware records what the client sent and can make the provider deny the
// authorization or re-sign the ID token with a foreign key.

// callbackURL is the redirect URI; nothing listens there, the test client
// stops at the redirect to it and hands the query to Finish.
const callbackURL = "http://app.test/api/auth/callback"

// testUser is a mockoidc.User whose ID token claims are the provider's
// registered claims (iss, aud, exp, nonce, …) plus extra, then edit.
type testUser struct {
	sub   string
	extra map[string]any
	edit  func(claims jwt.MapClaims)
}

func (u *testUser) ID() string { return u.sub }

func (u *testUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.sub})
}

func (u *testUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	raw, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	claims := jwt.MapClaims{}
	if err := json.Unmarshal(raw, &claims); err != nil {
		return nil, err
	}
	for k, v := range u.extra {
		claims[k] = v
	}
	if u.edit != nil {
		u.edit(claims)
	}
	return claims, nil
}

// idp is a running mockoidc with the recording middleware.
type idp struct {
	*mockoidc.MockOIDC

	mu         sync.Mutex
	challenges []string // code_challenge of each authorization request
	methods    []string // its code_challenge_method
	verifiers  []string // code_verifier of each token request
	tokenCalls int
	deny       bool              // authorize answers error=access_denied
	resignWith *mockoidc.Keypair // re-sign ID tokens with this key
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &idp{MockOIDC: m}
	if err := m.AddMiddleware(h.record); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return h
}

// user queues the user the next authorization signs in.
func (h *idp) user(u *testUser) { h.QueueUser(u) }

func (h *idp) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		deny, resign := h.deny, h.resignWith
		switch r.URL.Path {
		case mockoidc.AuthorizationEndpoint:
			h.challenges = append(h.challenges, r.Form.Get("code_challenge"))
			h.methods = append(h.methods, r.Form.Get("code_challenge_method"))
		case mockoidc.TokenEndpoint:
			h.tokenCalls++
			h.verifiers = append(h.verifiers, r.Form.Get("code_verifier"))
		}
		h.mu.Unlock()

		switch {
		case r.URL.Path == mockoidc.AuthorizationEndpoint && deny:
			// What a provider does when the user cancels or consent is refused.
			back, _ := url.Parse(r.Form.Get("redirect_uri"))
			q := back.Query()
			q.Set("error", "access_denied")
			q.Set("error_description", "The user denied the request <script>")
			q.Set("state", r.Form.Get("state"))
			back.RawQuery = q.Encode()
			http.Redirect(w, r, back.String(), http.StatusFound)
		case r.URL.Path == mockoidc.TokenEndpoint && resign != nil:
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			if raw, ok := body["id_token"].(string); ok {
				claims := jwt.MapClaims{}
				if _, _, err := jwt.NewParser().ParseUnverified(raw, claims); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				signed, err := resign.SignJWT(claims)
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				body["id_token"] = signed
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(body)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// authorize follows authURL with a real client, through the provider's
// redirects, until it is sent back to callbackURL, and returns that query.
func authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	client := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), callbackURL) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatalf("follow the authorization URL: %v", err)
	}
	defer resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), callbackURL) {
		t.Fatalf("the provider did not redirect to the callback: status %d, location %v", resp.StatusCode, loc)
	}
	return loc.Query()
}
