package owasp_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// hostileGenerations are the fake model's hostile answers (fakeai_test.go),
// each of which must fail its deployment before anything is published.
var hostileGenerations = []string{
	"traversal", "deep-traversal", "absolute", "backslash", "overwrite-other-app", "nul-byte", "duplicate", "dotfile",
	"remote-script", "remote-script-metadata", "other-app-script", "absolute-other-app", "inline-handler", "javascript-url",
	"meta-refresh", "inline-script", "css-import", "module-import", "oversized-file", "too-many-files", "oversized-output", "no-files",
	"runaway-output",
}

// pageProblems lists what in an HTML page could run or load code that is
// not the app's own: script elements other than a relative src, inline
// event handlers, javascript: URLs, and references to other hosts.
func pageProblems(page string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(strings.ToLower(a.Key), "on"):
					problems = append(problems, fmt.Sprintf("<%s %s>", n.Data, a.Key))
				case strings.HasPrefix(v, "javascript:"), strings.HasPrefix(v, "//"), strings.Contains(v, "evil.example"):
					problems = append(problems, fmt.Sprintf("<%s %s=%q>", n.Data, a.Key, a.Val))
				}
			}
			if n.Data == "script" {
				src := ""
				for _, a := range n.Attr {
					if a.Key == "src" {
						src = a.Val
					}
				}
				if src == "" || strings.Contains(src, ":") || strings.HasPrefix(src, "/") || strings.Contains(src, "..") {
					problems = append(problems, fmt.Sprintf("<script src=%q>", src))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return problems
}

// escaped finds files a traversal wrote outside the app.
func (p *platform) escaped() []string {
	var found []string
	_ = filepath.WalkDir(p.root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), evilMarker) {
			found = append(found, path)
		}
		return nil
	})
	for _, path := range []string{"/tmp/" + evilMarker, "/" + evilMarker, filepath.Join(os.TempDir(), evilMarker)} {
		if _, err := os.Stat(path); err == nil {
			found = append(found, path)
		}
	}
	return found
}

func TestAPI10_UnsafeConsumptionOfAPIs(t *testing.T) {
	p := requirePlatform(t)
	t.Cleanup(func() { p.dumpLogs(t) })
	dev := w.admin // deploys without approval; its own quotas
	appURL := func(slug string) string { return strings.Replace(p.apps, "://", "://"+slug+".", 1) + "/" }

	// A victim app, live before the hostile generations try to reach it.
	victim, err := dev.newProject("owasp ai victim", "Victim App")
	if err != nil {
		t.Fatal(err)
	}
	vd, err := dev.deploy(victim)
	if err != nil {
		t.Fatal(err)
	}
	if vd, err = dev.waitDeployment(vd.ID, 120*time.Second, "deployed", "failed"); err != nil || vd.Status != "deployed" {
		t.Fatalf("the victim app: %v %+v", err, vd)
	}
	victimCode, victimPage := getPage(t, vd.URL)
	if victimCode != 200 || !strings.Contains(victimPage, "Victim App") {
		t.Fatalf("the victim app's page: %d", victimCode)
	}

	t.Run("hostile generated files fail the deployment before anything is published", func(t *testing.T) {
		type run struct {
			scenario, project, slug string
			d                       deployment
			err                     error
		}
		runs := make([]*run, len(hostileGenerations))
		var wg sync.WaitGroup
		for i, sc := range hostileGenerations {
			runs[i] = &run{scenario: sc}
			wg.Add(1)
			go func(r *run) {
				defer wg.Done()
				if r.project, r.err = dev.newProject("owasp ai "+r.scenario+" "+runID, "Hostile "+r.scenario); r.err != nil {
					return
				}
				var proj struct{ Slug string }
				if _, r.err = dev.expect("GET", "/api/projects/"+r.project, nil, 200, &proj); r.err != nil {
					return
				}
				r.slug = proj.Slug
				if r.d, r.err = dev.deploy(r.project); r.err != nil {
					return
				}
				r.d, r.err = dev.waitDeployment(r.d.ID, 240*time.Second, "deployed", "failed", "cancelled")
			}(runs[i])
		}
		wg.Wait()
		for _, r := range runs {
			attack(t, API10, "generated files: "+r.scenario, func() error {
				if r.err != nil {
					return r.err
				}
				if p.ai.count(r.scenario) == 0 {
					return fmt.Errorf("the fake model never answered this scenario: the attack did not happen")
				}
				if r.d.Status != "failed" {
					return fmt.Errorf("the deployment %s (url %q)", r.d.Status, r.d.URL)
				}
				if r.d.Error == "" {
					return fmt.Errorf("failed without an error")
				}
				// The error may quote the model's own paths and references
				// (that is what the user needs to read), nothing of the platform's.
				for _, s := range append(p.internals(), hostOf(p.ai.URL), "chat/completions") {
					if s == "/tmp/" {
						continue
					}
					if strings.Contains(r.d.Error, s) {
						return fmt.Errorf("the error shows %q: %s", s, r.d.Error)
					}
				}
				failedAt := ""
				for _, st := range r.d.Steps {
					if st.Status == "failed" {
						failedAt = st.Name
					}
				}
				if failedAt != "generate" && failedAt != "build" {
					return fmt.Errorf("failed at %q, after the build: %+v", failedAt, r.d.Steps)
				}
				if r.scenario == "runaway-output" && failedAt != "generate" {
					return fmt.Errorf("the platform read and stored the whole oversized answer (failed at %s: %s)", failedAt, r.d.Error)
				}
				var proj struct {
					DeploymentURL    string
					LiveDeploymentID *string
				}
				dev.call(t, "GET", "/api/projects/"+r.project, nil, 200, &proj)
				if proj.DeploymentURL != "" || proj.LiveDeploymentID != nil || r.d.PreviewURL != "" || r.d.ArtifactDigest != "" {
					return fmt.Errorf("published: %+v %+v", proj, r.d)
				}
				for _, u := range []string{appURL(r.slug), appURL("d--" + r.d.ID)} {
					if code, _ := getPage(t, u); code != 404 {
						return fmt.Errorf("%s answers %d", u, code)
					}
				}
				t.Logf("%s: failed at %s: %s", r.scenario, failedAt, r.d.Error)
				return nil
			})
		}
	})

	t.Run("nothing was written or served outside the app", func(t *testing.T) {
		attack(t, API10, "files written outside the artifact store by a traversal", func() error {
			if found := p.escaped(); len(found) > 0 {
				return fmt.Errorf("found %v", found)
			}
			return nil
		})
		attack(t, API10, "another app's page replaced", func() error {
			code, page := getPage(t, vd.URL)
			if code != 200 || page != victimPage {
				return fmt.Errorf("the victim's page changed (%d): %s", code, tail(page, 300))
			}
			return nil
		})
	})

	t.Run("markup the model proposes stays text in the app", func(t *testing.T) {
		project, err := dev.newProject("AI Proposal "+runID, "Plain Name")
		if err != nil {
			t.Fatal(err)
		}
		session, proposal, err := dev.chatProposal(project, "please "+chatProposeScript)
		if err != nil {
			t.Fatal(err)
		}
		dev.call(t, "POST", "/api/chat/sessions/"+session+"/proposals/"+proposal+"/apply", nil, 200, nil)
		d, err := dev.deploy(project)
		if err != nil {
			t.Fatal(err)
		}
		if d, err = dev.waitDeployment(d.ID, 120*time.Second, "deployed", "failed"); err != nil {
			t.Fatal(err)
		}
		attack(t, API10, "a proposed configuration value that is a script reaches the generated page", func() error {
			if d.Status != "deployed" {
				return fmt.Errorf("the deployment %s: %s", d.Status, d.Error) // a refusal would do too, but say why
			}
			code, page := getPage(t, d.URL)
			if code != 200 {
				return fmt.Errorf("the page answers %d", code)
			}
			if problems := pageProblems(page); len(problems) > 0 {
				return fmt.Errorf("the page runs or loads foreign code: %v", problems)
			}
			if !strings.Contains(html.UnescapeString(page), "evil.example/x.js") {
				return fmt.Errorf("the proposed value is not on the page as text: %s", tail(page, 500))
			}
			return nil
		})
		badSession, bad, err := dev.chatProposal(project, "please "+chatProposeBad)
		if err != nil {
			t.Fatal(err)
		}
		attack(t, API10, "a proposal with fields and types outside the schema (role, ownerId, __proto__)", func() error {
			r := dev.do(t, "POST", "/api/chat/sessions/"+badSession+"/proposals/"+bad+"/apply", nil)
			if err := r.is(409, 422); err != nil {
				return err
			}
			var proj struct{ Configuration map[string]any }
			dev.call(t, "GET", "/api/projects/"+project, nil, 200, &proj)
			for _, k := range []string{"role", "ownerId", "__proto__"} {
				if _, ok := proj.Configuration[k]; ok {
					return fmt.Errorf("the configuration took %q", k)
				}
			}
			if proj.Configuration["appName"] != scriptAppName {
				return fmt.Errorf("appName is %v", proj.Configuration["appName"])
			}
			return nil
		})
	})
}
