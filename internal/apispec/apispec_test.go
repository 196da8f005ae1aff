package apispec

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testDoc = `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "paths": {
    "/api/things/{id}": {"get": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": {
          "type": "object", "additionalProperties": false, "required": ["data"],
          "properties": {"data": {"type": "object", "additionalProperties": false, "required": ["id", "owner"],
            "properties": {"id": {"type": "string"}, "owner": {"type": ["string", "null"]},
                           "state": {"type": "string", "enum": ["on", "off"]},
                           "at": {"type": "string", "format": "date-time"}}}}}}}},
        "204": {"description": "No content"},
        "404": {"$ref": "#/components/responses/Error"}
      }}},
    "/api/things": {"post": {"responses": {"201": {"description": "Created",
      "headers": {"Location": {"required": true, "schema": {"type": "string"}}}}}}},
    "/api/stream": {"get": {"responses": {"200": {"description": "OK", "content": {"text/event-stream": {"schema": {"type": "string"}}}}}}},
    "/healthz": {"get": {"responses": {"200": {"description": "OK"}}}}
  },
  "components": {"responses": {"Error": {"description": "error", "content": {"application/json": {"schema": {
    "type": "object", "additionalProperties": false, "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
      "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}}}}}}
}`

func load(t *testing.T) *Validator {
	t.Helper()
	v, err := Load([]byte(testDoc))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": []string{"application/json; charset=utf-8"}}
}

func TestCheckAcceptsWhatTheDocumentDescribes(t *testing.T) {
	v := load(t)
	ok := []struct {
		method, path string
		status       int
		header       http.Header
		body         string
	}{
		{"GET", "/api/things/1", 200, jsonHeader(), `{"data":{"id":"1","owner":null}}`},
		{"GET", "/api/things/1", 200, jsonHeader(), `{"data":{"id":"1","owner":"u","state":"on","at":"2026-01-02T03:04:05.678Z"}}`},
		{"GET", "/api/things/1", 204, http.Header{}, ``},
		{"GET", "/api/things/1", 404, jsonHeader(), `{"error":{"code":"not_found","message":"not found"}}`},
		{"GET", "/api/nothing", 404, jsonHeader(), `{"error":{"code":"not_found","message":"Not Found"}}`},
		{"DELETE", "/api/things/1", 405, jsonHeader(), `{"error":{"code":"method_not_allowed","message":"no"}}`},
		{"GET", "/projects/1", 200, http.Header{"Content-Type": []string{"text/html"}}, `<html>`}, // the web app
		{"HEAD", "/api/things/1", 200, http.Header{}, ``},
		{"GET", "/healthz", 200, http.Header{}, ``},
		{"POST", "/api/things", 201, http.Header{"Location": []string{"/api/things/1"}}, ``},
		{"GET", "/api/things/1", 431, jsonHeader(), `{"error":{"code":"bad_request","message":"Request Header Fields Too Large"}}`},
		{"GET", "/api/nothing", 413, jsonHeader(), `{"error":{"code":"payload_too_large","message":"Request Entity Too Large"}}`},
	}
	for _, c := range ok {
		req := httptest.NewRequest(c.method, c.path, nil)
		if err := v.Check(req, c.status, c.header, []byte(c.body)); err != nil {
			t.Errorf("%s %s %d: %v", c.method, c.path, c.status, err)
		}
	}
}

func TestCheckRefusesWhatTheDocumentDoesNotDescribe(t *testing.T) {
	v := load(t)
	bad := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		want               string
	}{
		{"undocumented status", "GET", "/api/things/1", 409, jsonHeader(), `{"error":{"code":"conflict","message":"x"}}`, "does not list"},
		{"missing field", "GET", "/api/things/1", 200, jsonHeader(), `{"data":{"id":"1"}}`, "owner"},
		{"unknown field", "GET", "/api/things/1", 200, jsonHeader(), `{"data":{"id":"1","owner":null,"secret":"s"}}`, "secret"},
		{"null where not nullable", "GET", "/api/things/1", 200, jsonHeader(), `{"data":{"id":null,"owner":null}}`, "id"},
		{"value outside the enum", "GET", "/api/things/1", 200, jsonHeader(), `{"data":{"id":"1","owner":null,"state":"maybe"}}`, "state"},
		{"refusal before routing without the envelope", "GET", "/api/things/1", 413, http.Header{"Content-Type": []string{"text/plain"}}, `too large`, "envelope"},
		{"required header missing", "POST", "/api/things", 201, http.Header{}, ``, "Location"},
		{"not a date-time", "GET", "/api/things/1", 200, jsonHeader(), `{"data":{"id":"1","owner":null,"at":"yesterday"}}`, "date-time"},
		{"wrong content type", "GET", "/api/things/1", 200, http.Header{"Content-Type": []string{"text/plain"}}, `{"data":{"id":"1","owner":null}}`, "Content-Type"},
		{"body where none is described", "GET", "/api/things/1", 204, jsonHeader(), `{"data":{}}`, "describes none"},
		{"error without the envelope", "GET", "/api/things/1", 404, jsonHeader(), `{"message":"gone"}`, "error"},
		{"unlisted path answering 200", "GET", "/api/nothing", 200, jsonHeader(), `{"data":{}}`, "no operation"},
		{"unlisted path without the envelope", "GET", "/api/nothing", 404, http.Header{"Content-Type": []string{"text/html"}}, `<h1>404</h1>`, "envelope"},
	}
	for _, c := range bad {
		req := httptest.NewRequest(c.method, c.path, nil)
		err := v.Check(req, c.status, c.header, []byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", c.name, err, c.want)
			continue
		}
		t.Logf("%s: %v", c.name, err)
	}
}

func TestLoadRefusesAnInvalidDocument(t *testing.T) {
	if _, err := Load([]byte(`{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": {"responses": {"200": {"$ref": "#/components/responses/Missing"}}}}}}`)); err == nil {
		t.Fatal("a document with a dangling $ref loaded")
	}
}

// Transport checks what a platform answers against the document it serves
// and turns a mismatch into the round trip's error; streams stay unread.
func TestTransportFailsTheRoundTripOnAMismatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/openapi.json":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, testDoc)
		case "/api/things/good":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data":{"id":"good","owner":null}}`)
		case "/api/things/bad":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data":{"id":"bad"}}`)
		case "/api/stream":
			w.Header().Set("Content-Type", "text/event-stream")
			w.(http.Flusher).Flush()
			<-r.Context().Done() // never ends by itself
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: &Transport{}}
	resp, err := client.Get(srv.URL + "/api/things/good")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"good"`) {
		t.Fatalf("the body did not reach the caller: %s", body)
	}
	if _, err := client.Get(srv.URL + "/api/things/bad"); err == nil || !strings.Contains(err.Error(), "owner") {
		t.Fatalf("a body without owner passed: %v", err)
	}
	resp, err = client.Get(srv.URL + "/api/stream")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = client.Get(srv.URL + "/some/page") // the web app: not checked
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}
