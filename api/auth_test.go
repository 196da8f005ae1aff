package api_test

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/forgeai/platform/internal/config"
)

func signed(t *testing.T, method jwt.SigningMethod, key any, claims jwt.RegisteredClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDevLogin(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		_, firstID, firstRole := h.login("first@example.com")
		_, _, secondRole := h.login("second@example.com")
		_, againID, againRole := h.login("  FIRST@example.com ")
		if firstRole != "admin" || secondRole != "business_user" {
			t.Fatalf("roles: first %q second %q, want admin and business_user", firstRole, secondRole)
		}
		if againID != firstID || againRole != "admin" {
			t.Fatalf("same email logged in as %s/%s, want %s/admin", againID, againRole, firstID)
		}
		h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "not-an-email"}).expectField(t, 400, "email")
		h.do("POST", "/api/auth/dev-login", "", map[string]any{"email": "x@example.com", "role": "admin"}).expectField(t, 400, "role")
	})
}

func TestDevLoginOnlyInDevMode(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: false})
	h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "a@example.com"}).expect(t, 404)
}

func TestTokensAreChecked(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	good, userID, _ := h.login("user@example.com")
	now := time.Now()
	valid := jwt.RegisteredClaims{
		Subject: userID, Issuer: "forgeai-platform", Audience: jwt.ClaimStrings{"forgeai-api"},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
	}
	with := func(mut func(c *jwt.RegisteredClaims)) jwt.RegisteredClaims {
		c := valid
		mut(&c)
		return c
	}
	tests := []struct {
		name, header string
		status       int
	}{
		{"valid", "Bearer " + good, 200},
		{"missing", "", 401},
		{"not bearer", "Basic dXNlcjpwYXNz", 401},
		{"garbage", "Bearer abc.def.ghi", 401},
		{"forged secret", "Bearer " + signed(t, jwt.SigningMethodHS256, []byte("another-secret-0123456789-0123456789"), valid), 401},
		{"expired", "Bearer " + signed(t, jwt.SigningMethodHS256, []byte(testSecret), with(func(c *jwt.RegisteredClaims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(-2 * time.Hour))
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Hour))
		})), 401},
		{"no expiry", "Bearer " + signed(t, jwt.SigningMethodHS256, []byte(testSecret), with(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })), 401},
		{"wrong issuer", "Bearer " + signed(t, jwt.SigningMethodHS256, []byte(testSecret), with(func(c *jwt.RegisteredClaims) { c.Issuer = "evil" })), 401},
		{"wrong audience", "Bearer " + signed(t, jwt.SigningMethodHS256, []byte(testSecret), with(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"other"} })), 401},
		{"alg none", "Bearer " + signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid), 401},
		{"HS512 not allowed", "Bearer " + signed(t, jwt.SigningMethodHS512, []byte(testSecret), valid), 401},
		{"unknown user", "Bearer " + signed(t, jwt.SigningMethodHS256, []byte(testSecret), with(func(c *jwt.RegisteredClaims) { c.Subject = "01930000-0000-7000-8000-000000000000" })), 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r response
			if tc.header == "" {
				r = h.do("GET", "/api/user/profile", "", nil)
			} else {
				r = h.do("GET", "/api/user/profile", "", nil, "Authorization", tc.header)
			}
			r.expect(t, tc.status)
			if tc.status == 401 {
				if e := r.env(t); e.Error == nil || e.Error.Code != "unauthorized" {
					t.Fatalf("want unauthorized error, got %s", r.Body)
				}
			}
		})
	}
}
