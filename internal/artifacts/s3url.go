package artifacts

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// S3Config locates a bucket on an S3-compatible object store (AWS S3,
// Cloudflare R2, Google Cloud Storage's interoperability API, Ceph,
// SeaweedFS, MinIO) and holds the credentials to use it.
type S3Config struct {
	// Endpoint is host[:port] of the S3 API; s3.amazonaws.com by default.
	Endpoint string
	// Secure uses HTTPS (the default).
	Secure bool
	// Region is the bucket's region; empty lets the client ask the server.
	Region string
	// Bucket holds the artifacts; Prefix ("" or ending in "/") comes before every key.
	Bucket string
	Prefix string
	// PathStyle addresses the bucket as endpoint/bucket (most servers other
	// than AWS want that); VirtualHost as bucket.endpoint; neither lets the
	// client choose by the endpoint.
	PathStyle, VirtualHost bool
	// Static credentials; with no access key the client reads AWS_* from
	// the environment or asks the instance's IAM role (EC2, EKS).
	AccessKey, SecretKey, SessionToken string
}

// bucketName is the S3 rule for new buckets: 3-63 lowercase letters, digits,
// dots and hyphens, starting and ending with a letter or digit.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ParseS3URL reads an ARTIFACTS_URL of the form
//
//	s3://bucket[/prefix]?endpoint=host:port&region=...&secure=false&path_style=true
//
// Every query parameter is optional; an unknown one is an error (a typo
// would otherwise be ignored silently). endpoint may carry http:// or
// https://, which sets secure. The URL never holds credentials: they come
// from the environment (S3Config's key fields).
func ParseS3URL(raw string) (S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return S3Config{}, errors.New("not a valid URL")
	}
	if u.Scheme != "s3" {
		return S3Config{}, fmt.Errorf("must start with s3://, got scheme %q", u.Scheme)
	}
	if u.User != nil {
		return S3Config{}, errors.New("must not hold credentials: set ARTIFACTS_S3_ACCESS_KEY and ARTIFACTS_S3_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
	}
	c := S3Config{Bucket: u.Host, Endpoint: "s3.amazonaws.com", Secure: true}
	if !bucketName.MatchString(c.Bucket) || strings.Contains(c.Bucket, "..") {
		return S3Config{}, fmt.Errorf("bucket %q is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens)", c.Bucket)
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if checkPath(p) != nil {
			return S3Config{}, fmt.Errorf("prefix %q must be a clean relative path", p)
		}
		c.Prefix = p + "/"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return S3Config{}, errors.New("query does not parse")
	}
	for k, vs := range q {
		if len(vs) != 1 {
			return S3Config{}, fmt.Errorf("%s given %d times", k, len(vs))
		}
		v := vs[0]
		switch k {
		case "endpoint":
			if err := c.setEndpoint(v); err != nil {
				return S3Config{}, err
			}
		case "region":
			c.Region = v
		case "secure", "path_style":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return S3Config{}, fmt.Errorf("%s must be true or false, got %q", k, v)
			}
			if k == "secure" {
				c.Secure = b
			} else {
				c.PathStyle, c.VirtualHost = b, !b
			}
		default:
			return S3Config{}, fmt.Errorf("unknown parameter %q (endpoint, region, secure, path_style)", k)
		}
	}
	// An endpoint's scheme and secure= that disagree are refused, not guessed at.
	// (Compared with secure= as given: the loop above sets Secure from
	// both, in map order.)
	if q.Has("secure") && q.Has("endpoint") {
		want, _ := strconv.ParseBool(q.Get("secure")) // checked above
		if s, ok := endpointScheme(q.Get("endpoint")); ok && s != want {
			return S3Config{}, errors.New("secure contradicts the endpoint's scheme")
		}
	}
	return c, nil
}

func endpointScheme(v string) (secure, ok bool) {
	switch {
	case strings.HasPrefix(v, "https://"):
		return true, true
	case strings.HasPrefix(v, "http://"):
		return false, true
	}
	return false, false
}

func (c *S3Config) setEndpoint(v string) error {
	host := v
	if secure, ok := endpointScheme(v); ok {
		c.Secure = secure
		host = v[strings.Index(v, "://")+3:]
	}
	host = strings.TrimSuffix(host, "/")
	if host == "" || strings.ContainsAny(host, "/?#@ ") {
		return fmt.Errorf("endpoint must be host[:port], got %q", v)
	}
	if h, port, err := net.SplitHostPort(host); err == nil {
		if n, err := strconv.Atoi(port); h == "" || err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("endpoint must be host[:port], got %q", v)
		}
	}
	c.Endpoint = host
	return nil
}

// String describes the location without credentials, for logs and errors.
func (c S3Config) String() string {
	scheme := "https"
	if !c.Secure {
		scheme = "http"
	}
	return fmt.Sprintf("s3://%s/%s (%s://%s)", c.Bucket, c.Prefix, scheme, c.Endpoint)
}
