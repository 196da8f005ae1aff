package api

import (
	"net/netip"
	"net/url"
	"regexp"
	"strings"
)

// publicHTTPURL reports whether raw is an http(s) URL of a public host,
// for URLs users give the platform to show elsewhere (a profile's
// avatarUrl): the platform never fetches them, and they must not name an
// address that only means something inside the platform's network or on
// the viewer's machine either — cloud metadata (169.254.169.254), loopback
// and the platform's own services (Temporal's 7233), private and shared
// ranges, link-local, multicast, unspecified, IPv4 written as a number
// (2852039166, 0xa9fea9fe, 0251.0376.0251.0376, 127.1), single-label or
// local names (intranet, localhost, *.localhost, *.local, *.internal,
// *.home.arpa), or credentials in the URL. Checked without DNS: a public
// name that resolves to a private address is the viewer's browser's
// business, never the server's, which does not fetch it.
func publicHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Opaque != "" {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return false
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return publicAddr(addr)
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 || numericLabel.MatchString(labels[len(labels)-1]) {
		return false // single-label, or an IPv4 address in another spelling
	}
	for _, local := range []string{"localhost", "local", "internal", "localdomain", "home.arpa"} {
		if host == local || strings.HasSuffix(host, "."+local) {
			return false
		}
	}
	return true
}

// numericLabel is a label a resolver or browser reads as part of an IPv4
// address (decimal, octal or hex), never a top-level domain.
var numericLabel = regexp.MustCompile(`^(0x[0-9a-f]*|[0-9]+)$`)

// sharedAddressSpace is 100.64.0.0/10 (carrier-grade NAT, and some clouds' metadata).
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsGlobalUnicast() && !a.IsPrivate() && !a.IsLoopback() && !a.IsLinkLocalUnicast() && !sharedAddressSpace.Contains(a)
}
