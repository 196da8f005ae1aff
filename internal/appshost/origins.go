package appshost

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Every published application is served on an origin of its own, a
// subdomain of the apps host's domain, so that the browser keeps apps apart:
// one app's script cannot read another's localStorage, IndexedDB, cookies or
// pages, and its CSP 'self' covers only its own files.
//
//	<project-slug>.<domain>      the project's live release
//	d--<deployment-id>.<domain>  a deployment's artifact, immutable (deployed ones only)
//	t--<template-slug>.<domain>  a template's preview (its scaffold rendered with its defaults)
//
// Slugs never contain "--" (models.Slugify collapses separators), so the
// prefixed labels cannot name a project. Every label fits DNS's 63 characters
// (slugs are at most 55, deployment ids 36).
const (
	deploymentLabelPrefix = "d--"
	templateLabelPrefix   = "t--"
)

// Origins builds and reads the per-application origins under the apps host's
// base URL (APPS_BASE_URL): with http://localhost:8081 the project "acme" is
// at http://acme.localhost:8081/ (browsers resolve *.localhost to loopback);
// with https://apps.example.com at https://acme.apps.example.com/ (a wildcard
// DNS record and certificate for *.apps.example.com serve them all).
type Origins struct {
	scheme string
	domain string // lower case, no port
	port   string // as written in the base URL; "" for the scheme's default
}

// ParseOrigins reads the apps host's base URL: http or https, a DNS name (an
// IP address cannot have subdomains), an optional port, no path, query,
// fragment or credentials.
func ParseOrigins(base string) (Origins, error) {
	u, err := url.Parse(base)
	if err != nil {
		return Origins{}, fmt.Errorf("apps base URL %q: %w", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Origins{}, fmt.Errorf("apps base URL %q: must be http or https", base)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	switch {
	case host == "":
		return Origins{}, fmt.Errorf("apps base URL %q: has no host", base)
	case net.ParseIP(host) != nil:
		return Origins{}, fmt.Errorf("apps base URL %q: must be a host name, not an IP address (each app is served at <slug>.<host>; use localhost for development)", base)
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return Origins{}, fmt.Errorf("apps base URL %q: must be an origin only (scheme://host[:port]), without path, query or credentials", base)
	}
	return Origins{scheme: u.Scheme, domain: host, port: u.Port()}, nil
}

// MustParseOrigins is ParseOrigins for settings validated at start.
func MustParseOrigins(base string) Origins {
	o, err := ParseOrigins(base)
	if err != nil {
		panic(err)
	}
	return o
}

// Domain is the apps host's domain, without port.
func (o Origins) Domain() string { return o.domain }

// Base is the apps host's own origin (scheme://domain[:port]), which only
// answers /healthz and redirects the path-based addresses of earlier versions.
func (o Origins) Base() string { return o.scheme + "://" + o.hostFor("") }

// LiveHost is the Host of a project's live application: <slug>.<domain>[:port].
func (o Origins) LiveHost(slug string) string { return o.hostFor(slug) }

// LiveURL is the address of a project's live application.
func (o Origins) LiveURL(slug string) string { return o.scheme + "://" + o.hostFor(slug) + "/" }

// DeploymentURL is the address of a deployment's immutable artifact.
func (o Origins) DeploymentURL(deploymentID string) string {
	return o.scheme + "://" + o.hostFor(deploymentLabelPrefix+deploymentID) + "/"
}

// TemplateURL is the address of a template's preview.
func (o Origins) TemplateURL(templateSlug string) string {
	return o.scheme + "://" + o.hostFor(templateLabelPrefix+templateSlug) + "/"
}

// FrameSource is a CSP source expression matching every application origin
// (scheme://*.domain[:port]), for the web app's frame-src.
func (o Origins) FrameSource() string { return o.scheme + "://" + o.hostFor("*") }

// Contains reports whether a browser origin (scheme://host[:port]) is the
// apps host's or one of its applications'.
func (o Origins) Contains(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	return host == o.domain || strings.HasSuffix(host, "."+o.domain)
}

func (o Origins) hostFor(label string) string {
	h := o.domain
	if label != "" {
		h = label + "." + h
	}
	if o.port != "" {
		h += ":" + o.port
	}
	return h
}

// siteKind is what a request's Host names.
type siteKind int

const (
	siteBase       siteKind = iota // the apps host itself (or a Host that is none of ours)
	siteLive                       // <slug>.<domain>
	siteDeployment                 // d--<id>.<domain>
	siteTemplate                   // t--<slug>.<domain>
	siteUnknown                    // a subdomain that names nothing
)

// site reads the request's Host: which application, if any, it names. The
// port is ignored, so a proxy in front of the apps host may listen on another.
func (o Origins) site(hostHeader string) (siteKind, string) {
	host := strings.ToLower(hostHeader)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	label, ok := strings.CutSuffix(host, "."+o.domain)
	switch {
	case !ok:
		return siteBase, ""
	case strings.HasPrefix(label, deploymentLabelPrefix):
		id := strings.TrimPrefix(label, deploymentLabelPrefix)
		if uuidPattern.MatchString(id) {
			return siteDeployment, id
		}
	case strings.HasPrefix(label, templateLabelPrefix):
		slug := strings.TrimPrefix(label, templateLabelPrefix)
		if slugPattern.MatchString(slug) {
			return siteTemplate, slug
		}
	case slugPattern.MatchString(label) && !reservedSlugs[label]:
		return siteLive, label
	}
	return siteUnknown, ""
}
