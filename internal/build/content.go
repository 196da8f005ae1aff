package build

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"golang.org/x/net/html"
)

func contentProblem(f File, lim Limits) string {
	switch strings.ToLower(path.Ext(f.Path)) {
	case ".html":
		return htmlProblem(f.Content, lim)
	case ".json", ".map":
		if !json.Valid(f.Content) {
			return "is not valid JSON"
		}
	case ".svg":
		if bytes.Contains(bytes.ToLower(f.Content), []byte("<script")) {
			return "SVG images must not contain scripts"
		}
	}
	return ""
}

// htmlProblem tokenizes the page and checks what the apps host's
// Content-Security-Policy would break or what could load foreign code.
func htmlProblem(content []byte, lim Limits) string {
	z := html.NewTokenizer(bytes.NewReader(content))
	hasHTML, hasTitle := false, false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				switch {
				case !hasHTML:
					return "is not an HTML document (no <!doctype html> or <html>)"
				case !hasTitle:
					return "has no <title>"
				}
				return ""
			}
			return "does not parse as HTML: " + z.Err().Error()
		case html.DoctypeToken:
			hasHTML = true
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "html":
				hasHTML = true
			case "title":
				hasTitle = true
			}
			if reason := tagProblem(tok, lim); reason != "" {
				return reason
			}
		}
	}
}

func tagProblem(tok html.Token, lim Limits) string {
	for _, attr := range tok.Attr {
		key, val := strings.ToLower(attr.Key), strings.TrimSpace(strings.ToLower(attr.Val))
		if strings.HasPrefix(key, "on") {
			return fmt.Sprintf("inline event handler %s= on <%s> is not allowed (the apps host's Content-Security-Policy blocks inline script)", key, tok.Data)
		}
		if (key == "href" || key == "src" || key == "action" || key == "formaction") && strings.HasPrefix(val, "javascript:") {
			return fmt.Sprintf("javascript: URL in <%s %s> is not allowed", tok.Data, key)
		}
		if tok.Data == "script" && key == "src" && !lim.AllowRemoteScripts && isRemote(val) {
			return fmt.Sprintf("remote script %s is not allowed", attr.Val)
		}
	}
	return ""
}

func isRemote(url string) bool {
	for _, p := range []string{"http:", "https:", "//", "data:", "javascript:"} {
		if strings.HasPrefix(url, p) {
			return true
		}
	}
	return false
}
