package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// newClient returns the one client shared by setup and load: keep-alive and
// enough idle connections per host that the load never churns connections.
func newClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 1024
	tr.MaxIdleConnsPerHost = 512
	tr.IdleConnTimeout = 90 * time.Second
	tr.DisableKeepAlives = false
	return &http.Client{Transport: tr}
}

type apiClient struct {
	http   *http.Client
	base   string // http://host:port
	token  string
	userID string // set by login
}

// call sends a JSON request and decodes the "data" of the envelope into out.
func (c *apiClient) call(ctx context.Context, method, path string, body, out any, want int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: got %s, want %d: %.500s", method, path, resp.Status, want, raw)
	}
	if out == nil {
		return nil
	}
	env := struct {
		Data json.RawMessage `json:"data"`
	}{}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s %s: decode envelope: %w", method, path, err)
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("%s %s: decode data: %w", method, path, err)
	}
	return nil
}

func (c *apiClient) login(ctx context.Context) error {
	token, id, err := c.devLogin(ctx, "bench@example.com")
	if err != nil {
		return err
	}
	c.token, c.userID = token, id
	return nil
}

// devUser signs email in with dev login (creating the user) and returns
// the user's id; c stays signed in as before.
func (c *apiClient) devUser(ctx context.Context, email string) (string, error) {
	_, id, err := c.devLogin(ctx, email)
	return id, err
}

// devLogin signs email in with dev login (creating the user) and returns
// the new session's access token and the user's id.
func (c *apiClient) devLogin(ctx context.Context, email string) (token, id string, err error) {
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	body := map[string]string{"email": email, "name": "Bench"}
	if err := c.call(ctx, http.MethodPost, "/api/auth/dev-login", body, &out, http.StatusOK); err != nil {
		return "", "", fmt.Errorf("dev login as %s: %w", email, err)
	}
	if out.Token == "" || out.User.ID == "" {
		return "", "", fmt.Errorf("dev login as %s returned no token or no user", email)
	}
	return out.Token, out.User.ID, nil
}

func (c *apiClient) templateIDs(ctx context.Context) ([]string, error) {
	var out []struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/templates?pageSize=100", nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	var ids []string
	for _, t := range out {
		if t.ID != "" {
			ids = append(ids, t.ID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("GET /api/templates returned no templates (catalog not seeded?)")
	}
	return ids, nil
}

// createProjects creates n projects, templates taken round robin.
func (c *apiClient) createProjects(ctx context.Context, n int, templates []string) error {
	for i := range n {
		body := map[string]any{
			"name":          fmt.Sprintf("Bench %d", i+1),
			"templateId":    templates[i%len(templates)],
			"configuration": map[string]any{},
		}
		if err := c.call(ctx, http.MethodPost, "/api/projects", body, nil, http.StatusCreated); err != nil {
			return fmt.Errorf("project %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}
