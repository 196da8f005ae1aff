package config

import (
	"fmt"

	"github.com/forgeai/platform/internal/artifacts"
)

// Artifacts is where source trees and built bundles live: a local folder
// (ARTIFACTS_DIR, the default) or, when ARTIFACTS_URL is set, a bucket on an
// S3-compatible object store that every api and worker process shares.
type Artifacts struct {
	// URL is s3://bucket[/prefix]?endpoint=host:port&region=…&secure=false&path_style=true;
	// empty keeps the artifacts in ARTIFACTS_DIR.
	URL string `env:"ARTIFACTS_URL"`
	// S3AccessKey and S3SecretKey are the bucket's credentials; when unset,
	// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) are
	// used, and with neither the instance's IAM role. Never logged.
	S3AccessKey     string `env:"ARTIFACTS_S3_ACCESS_KEY"`
	S3SecretKey     string `env:"ARTIFACTS_S3_SECRET_KEY"`
	AWSAccessKeyID  string `env:"AWS_ACCESS_KEY_ID"`
	AWSSecretKey    string `env:"AWS_SECRET_ACCESS_KEY"`
	AWSSessionToken string `env:"AWS_SESSION_TOKEN"`
	// AppsCacheBytes bounds the apps host's in-memory cache of served files.
	AppsCacheBytes int64 `env:"APPS_CACHE_BYTES" envDefault:"67108864"`
	// MemoryBytes bounds what a worker keeps in memory of the blobs its
	// deployment steps wrote or read, so the next step reads them from
	// there (artifacts.Remember); 0 reads every blob from the store.
	MemoryBytes int64 `env:"ARTIFACTS_MEMORY_BYTES" envDefault:"33554432"`
}

// S3 returns the object store settings of ARTIFACTS_URL with its
// credentials; ok is false when the artifacts stay in ARTIFACTS_DIR.
func (a Artifacts) S3() (c artifacts.S3Config, ok bool, err error) {
	if a.URL == "" {
		return artifacts.S3Config{}, false, nil
	}
	c, err = artifacts.ParseS3URL(a.URL)
	if err != nil {
		return artifacts.S3Config{}, true, err
	}
	if a.S3AccessKey != "" || a.S3SecretKey != "" {
		c.AccessKey, c.SecretKey = a.S3AccessKey, a.S3SecretKey
	} else {
		c.AccessKey, c.SecretKey, c.SessionToken = a.AWSAccessKeyID, a.AWSSecretKey, a.AWSSessionToken
	}
	return c, true, nil
}

// validate reports every bad artifact setting, naming its variable; no
// message holds a credential.
func (a Artifacts) validate() []error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	if _, _, err := a.S3(); err != nil {
		bad("ARTIFACTS_URL", "%v", err)
	}
	if (a.S3AccessKey == "") != (a.S3SecretKey == "") {
		bad("ARTIFACTS_S3_ACCESS_KEY/ARTIFACTS_S3_SECRET_KEY", "set both or neither")
	}
	if a.URL != "" && a.S3AccessKey == "" && (a.AWSAccessKeyID == "") != (a.AWSSecretKey == "") {
		bad("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", "set both or neither")
	}
	if a.AppsCacheBytes < 0 || a.AppsCacheBytes > 16<<30 {
		bad("APPS_CACHE_BYTES", "must be between 0 (off) and 17179869184 (16 GiB), got %d", a.AppsCacheBytes)
	}
	if a.MemoryBytes < 0 || a.MemoryBytes > 16<<30 {
		bad("ARTIFACTS_MEMORY_BYTES", "must be between 0 (off) and 17179869184 (16 GiB), got %d", a.MemoryBytes)
	}
	return errs
}

// masked hides the credentials.
func (a Artifacts) masked() Artifacts {
	for _, s := range []*string{&a.S3AccessKey, &a.S3SecretKey, &a.AWSAccessKeyID, &a.AWSSecretKey, &a.AWSSessionToken} {
		if *s != "" {
			*s = "***"
		}
	}
	a.URL = maskURL(a.URL)
	return a
}
