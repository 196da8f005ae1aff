package apispec

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"
)

// Transport is an http.RoundTripper that checks every answer of a platform
// against the OpenAPI document that platform serves (GET /api/openapi.json
// on the same origin, fetched once per origin), or against Validator when
// set: a mismatch is the round
// trip's error, so the client's caller sees it and fails. Answers of paths
// the document does not cover (the web app) pass unread; a Server-Sent
// Events stream is checked up to its Content-Type, never read.
type Transport struct {
	// Base sends the requests (nil: http.DefaultTransport).
	Base http.RoundTripper
	// Validator, when set, is the document for every origin: none is
	// fetched.
	Validator *Validator

	mu    sync.Mutex
	specs map[string]*Validator // origin → its document
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// RoundTrip sends req and checks the answer.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base().RoundTrip(req)
	if err != nil || req.Method == http.MethodHead {
		return resp, err
	}
	v, err := t.validator(req, false)
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	if v == nil || !v.Covers(req) {
		return resp, nil
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/event-stream" {
		if err := v.check(req, resp.StatusCode, resp.Header, nil, true); err != nil {
			resp.Body.Close()
			return nil, fmt.Errorf("the answer does not match the OpenAPI document: %w", err)
		}
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the answer of %s %s: %w", req.Method, req.URL.Path, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := v.Check(req, resp.StatusCode, resp.Header, body); err != nil {
		// The platform on this origin may have restarted in another mode
		// (dev, single sign-on): read its document again before failing.
		if again, ferr := t.validator(req, true); ferr == nil && again != nil && again != v {
			err = again.Check(req, resp.StatusCode, resp.Header, body)
		}
		if err != nil {
			return nil, fmt.Errorf("the answer does not match the OpenAPI document: %w", err)
		}
	}
	return resp, nil
}

// validator is the document of req's origin, fetched on first use (or
// again when refresh is set). nil, without an error, when the origin does
// not answer: there is nothing to check against (a platform that stopped).
func (t *Transport) validator(req *http.Request, refresh bool) (*Validator, error) {
	if t.Validator != nil {
		return t.Validator, nil
	}
	origin := req.URL.Scheme + "://" + req.URL.Host
	t.mu.Lock()
	v, found := t.specs[origin]
	t.mu.Unlock()
	if found && !refresh {
		return v, nil
	}
	specReq, err := http.NewRequestWithContext(req.Context(), http.MethodGet, origin+"/api/openapi.json", nil)
	if err != nil {
		return nil, err
	}
	resp, err := t.base().RoundTrip(specReq)
	if err != nil {
		return nil, nil //nolint:nilerr // nothing to check against
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil //nolint:nilerr // the platform went away mid-answer
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/api/openapi.json: status %d: %s", origin, resp.StatusCode, excerpt(raw))
	}
	v, err = Load(raw)
	if err != nil {
		return nil, fmt.Errorf("the document of %s: %w", origin, err)
	}
	t.mu.Lock()
	if t.specs == nil {
		t.specs = map[string]*Validator{}
	}
	t.specs[origin] = v
	t.mu.Unlock()
	return v, nil
}
