package workflows

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// About is what a workflow is about, in words: the names, emails, digests,
// durations and links a person reads in the Temporal UI beside the ids of
// the workflow's input. The client fills it in when it starts the workflow
// (see Client.Describe); the workflow only shows it, in its summary and its
// current details. Executions started before it existed, or while the store
// could not be read, have none or part of it, and show ids instead.
//
// It never holds secrets, and never the configuration or the scaffold
// themselves: their digests stand for them, as in the approval the approver
// reads in the platform.
type About struct {
	// PlatformURL is the platform's PUBLIC_URL; every link goes there.
	PlatformURL string `json:"platformUrl,omitempty"`
	// Who asked: a deployment's requester, an approval's requester, the
	// user an onboarding is of.
	RequesterEmail string `json:"requesterEmail,omitempty"`
	RequesterName  string `json:"requesterName,omitempty"`
	// The project a deployment, or a deployment's approval, is of.
	ProjectID   string `json:"projectId,omitempty"`
	ProjectName string `json:"projectName,omitempty"`
	ProjectSlug string `json:"projectSlug,omitempty"`
	OwnerEmail  string `json:"ownerEmail,omitempty"`
	OwnerName   string `json:"ownerName,omitempty"`
	// Kind of deployment: deploy, or rollback (re-publishing RollbackOf's artifact).
	Kind       string `json:"kind,omitempty"`
	RollbackOf string `json:"rollbackOf,omitempty"`
	// ConfigurationDigest names the configuration a deployment builds (its snapshot).
	ConfigurationDigest string `json:"configurationDigest,omitempty"`
	// The template a deployment builds from, or a publication publishes.
	// TemplateDigest covers its slug, name, configuration schema and scaffold.
	TemplateSlug    string `json:"templateSlug,omitempty"`
	TemplateName    string `json:"templateName,omitempty"`
	TemplateVersion int    `json:"templateVersion,omitempty"`
	TemplateDigest  string `json:"templateDigest,omitempty"`
	ScaffoldFiles   int    `json:"scaffoldFiles,omitempty"`
	ScaffoldBytes   int    `json:"scaffoldBytes,omitempty"`
	// A role change: the role asked for, the role now, and why.
	Role     string `json:"role,omitempty"`
	RoleFrom string `json:"roleFrom,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// EligibleUserEmails are the emails of the users an approval names as
	// deciders (besides its roles).
	EligibleUserEmails []string `json:"eligibleUserEmails,omitempty"`
	// Durations as text ("1 day"), beside the nanoseconds of the input, and
	// when they fall (RFC 3339, UTC).
	EscalateAfter string `json:"escalateAfter,omitempty"`
	Timeout       string `json:"timeout,omitempty"`
	EscalatesAt   string `json:"escalatesAt,omitempty"`
	Deadline      string `json:"deadline,omitempty"`
	ReminderAfter string `json:"reminderAfter,omitempty"`
}

// Bounds of what the Temporal UI shows: a static summary is one line of at
// most 200 bytes, static details at most 20 KB (both as encoded payloads).
const (
	maxSummaryBytes = 200
	maxDetailsBytes = 16 << 10
	// maxValueRunes bounds each user-supplied value shown (a name, a
	// reason); maxCodeRunes each platform-made one (a command, a digest).
	maxValueRunes = 120
	maxCodeRunes  = 400
)

// Web app routes the details link to (web/src/routes.tsx).
const (
	routeProjects   = "/projects/"
	routeApprovals  = "/approvals"
	routeOnboarding = "/onboarding"
	routeAdminUsers = "/admin/users"
)

// Duration formats d for people: "3 days", "1 day 12 hours", "45 minutes";
// under a minute in seconds; 0 or less is "never".
func Duration(d time.Duration) string {
	if d <= 0 {
		return "never"
	}
	if d < time.Minute {
		return plural(int(d.Round(time.Second)/time.Second), "second")
	}
	d = d.Round(time.Minute)
	days, hours, minutes := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	for _, p := range []struct {
		n    int
		unit string
	}{{days, "day"}, {hours, "hour"}, {minutes, "minute"}} {
		if p.n > 0 && len(parts) < 2 {
			parts = append(parts, plural(p.n, p.unit))
		}
	}
	return strings.Join(parts, " ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// stamp formats an instant for the details: RFC 3339 in UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// readableStamp shows an RFC 3339 instant as "2006-01-02 15:04 UTC"; anything else as it is.
func readableStamp(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return text(s)
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// text makes a value safe to show in Markdown: cut to maxValueRunes, line
// breaks as spaces (so it cannot start a block: a heading, a list, a
// quote), and the characters of inline Markdown backslash-escaped, so a
// project name, an email or a reason shows as written and never adds a
// link with a text of its choosing, an image, HTML, code or emphasis to what
// an approver reads. A bare URL may still show as the URL it is.
func text(s string) string {
	s = clipRunes(strings.Join(strings.Fields(s), " "), maxValueRunes)
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && strings.ContainsRune("\\`*_[]<>~#|", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// code shows a platform-made token (a slug, a digest, an id, a role) as inline
// code; backticks and line breaks are dropped, so it cannot end the span.
func code(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '`' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, clipRunes(s, maxCodeRunes))
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// person shows a user: "Dana (dana@example.com)", or whichever part is
// known, or the id as code.
func person(name, email, id string) string {
	switch {
	case name != "" && email != "" && name != email:
		return text(name) + " (" + text(email) + ")"
	case email != "":
		return text(email)
	case name != "":
		return text(name)
	case id != "":
		return "user " + code(id)
	}
	return "someone"
}

// who is the plain text (no Markdown) of a user for a summary.
func who(email, id string) string {
	if email != "" {
		return text(email)
	}
	return "user " + code(id)
}

// link is a Markdown link to a page of the platform, or "" without a
// platform URL. The label is escaped, the URL is the platform's own.
func link(platformURL, path, label string) string {
	base := strings.TrimRight(platformURL, "/")
	u, err := url.Parse(base + path)
	if base == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return "[" + text(label) + "](" + escapeURL(u.String()) + ")"
}

// liveLink shows a published app's URL as a link when it is a plain http(s)
// URL, else as code.
func liveLink(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return code(raw)
	}
	return "[" + text(raw) + "](" + escapeURL(u.String()) + ")"
}

// escapeURL keeps a link destination inside its parentheses.
func escapeURL(s string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(s)
}

// fit cuts s until its encoded payload (a JSON string) is at most limit
// bytes: the server refuses a larger summary or details.
func fit(s string, limit int) string {
	for {
		raw, _ := json.Marshal(s)
		if len(raw) <= limit {
			return s
		}
		r := []rune(s)
		cut := max(len(r)-max((len(raw)-limit)/2, 1)-1, 0)
		s = strings.TrimRight(string(r[:cut]), "\\") + "…"
	}
}

// summaryLine fits a summary on one line of the list.
func summaryLine(s string) string { return fit(strings.Join(strings.Fields(s), " "), maxSummaryBytes) }

// detailsText fits details.
func detailsText(lines []string) string {
	return fit(strings.Join(lines, "\n"), maxDetailsBytes)
}

// field is one "**Label**: value" line of details (a Markdown paragraph).
func field(label, value string) string { return "**" + label + "**: " + value + "\n" }

// orList joins words: "a", "a or b", "a, b or c".
func orList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
