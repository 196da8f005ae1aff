package oidc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// flowState is what the callback needs from Start, carried by the browser.
type flowState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r"`
	Expires  int64  `json:"e"` // unix seconds
}

// cookiePrefix versions the sealed format.
const cookiePrefix = "v1."

var (
	errFlowInvalid = errors.New("flow cookie does not open")
	errFlowExpired = errors.New("flow cookie expired")
)

// aad binds a cookie to this issuer and client, so one sealed for another
// provider configured with the same key does not open here.
func (p *Provider) aad() []byte {
	return []byte("oidc-flow\x00" + p.issuer + "\x00" + p.oauth.ClientID)
}

func (p *Provider) gcm() (cipher.AEAD, error) {
	block, err := aes.NewCipher(p.flowKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts and authenticates f (AES-256-GCM, random nonce) into a cookie value.
func (p *Provider) seal(f flowState) (string, error) {
	plain, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	aead, err := p.gcm()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, plain, p.aad())
	return cookiePrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// open reverses seal and refuses a cookie past its expiry.
func (p *Provider) open(value string) (flowState, error) {
	var f flowState
	rest, ok := strings.CutPrefix(value, cookiePrefix)
	if !ok {
		return f, errFlowInvalid
	}
	sealed, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return f, errFlowInvalid
	}
	aead, err := p.gcm()
	if err != nil {
		return f, err
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return f, errFlowInvalid
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], p.aad())
	if err != nil {
		return f, errFlowInvalid
	}
	if err := json.Unmarshal(plain, &f); err != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return flowState{}, errFlowInvalid
	}
	if !p.now().Before(time.Unix(f.Expires, 0)) {
		return flowState{}, errFlowExpired
	}
	return f, nil
}
