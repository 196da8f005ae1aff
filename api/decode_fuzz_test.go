package api

import (
	"encoding/json"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// FuzzDecodeBody feeds arbitrary bodies and content types to decodeBody for
// several request types: it must never panic, and a refusal must be a 4xx
// the error mapper answers as such (400, 415 or 422), never a 500; an
// accepted body must leave a request that encodes back to JSON.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []struct {
		which uint8
		ct    string
		body  string
	}{
		{0, "application/json", `{"name":"Clinic Board","industry":"healthcare","description":"A board that lists the rooms.","configSchema":{"type":"object"},"scaffold":[{"path":"index.html","content":"<p>{{.Config.x}}</p>"}]}`},
		{0, "application/json", `{"name":"x","scaffold":[{"path":1}]}`},
		{1, "application/json", `{"name":"Intake","templateId":"0190a3c2-6f1e-7a00-8000-000000000001","configuration":{"appName":"A"}}`},
		{1, "application/json", `{"name":"Intake","templateId":"nope","configuration":[1]}`},
		{2, "application/json; charset=utf-8", `{"configuration":{"appName":null},"name":"  x  "}`},
		{3, "application/json", `{"avatarUrl":"javascript:alert(1)","industry":"mining","role":"admin"}`},
		{4, "application/json", `{"content":"   "}`},
		{5, "application/json", `{"email":"a@example.com","name":"A"}`},
		{6, "application/json", `{"role":"admin","reason":"` + "\u2028" + `"}`},
		{0, "text/plain", `{}`},
		{0, "", ``},
		{1, "application/json", `{} {}`},
		{1, "application/json", `{"name":"\ud800"}`},
		{2, "application/json", `[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`},
		{3, "application/json", `{"preferences":{"a":{"b":{"c":[1,2,{"d":null}]}}}}`},
	} {
		f.Add(seed.which, seed.ct, []byte(seed.body))
	}
	s := &Server{validate: newValidator()}
	app := fiber.New()
	f.Fuzz(func(t *testing.T, which uint8, contentType string, body []byte) {
		fctx := &fasthttp.RequestCtx{}
		fctx.Request.Header.SetMethod(fiber.MethodPost)
		fctx.Request.Header.SetContentType(contentType)
		fctx.Request.SetBody(body)
		c := app.AcquireCtx(fctx)
		defer app.ReleaseCtx(c)
		var dst any
		switch which % 7 {
		case 0:
			dst = &submitTemplateRequest{}
		case 1:
			dst = &createProjectRequest{}
		case 2:
			dst = &updateProjectRequest{}
		case 3:
			dst = &updateProfileRequest{}
		case 4:
			dst = &chatMessageRequest{}
		case 5:
			dst = &devLoginRequest{}
		default:
			dst = &roleRequest{}
		}
		err := s.decodeBody(c, dst)
		if err == nil {
			if _, err := json.Marshal(dst); err != nil {
				t.Fatalf("accepted %q into %T, which does not encode: %v", body, dst, err)
			}
			return
		}
		e := toAPIError(err)
		switch e.Status {
		case fiber.StatusBadRequest, fiber.StatusUnsupportedMediaType, fiber.StatusUnprocessableEntity:
		default:
			t.Fatalf("%T from %q (%q): status %d (%v)", dst, body, contentType, e.Status, err)
		}
		if e.Message == "" {
			t.Fatalf("%T from %q: refusal without a message", dst, body)
		}
		for _, d := range e.Details {
			if d.Message == "" {
				t.Fatalf("%T from %q: detail %+v without a message", dst, body, d)
			}
		}
	})
}
