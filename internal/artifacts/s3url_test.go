package artifacts_test

import (
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/artifacts"
)

func TestParseS3URL(t *testing.T) {
	tests := []struct {
		raw  string
		want artifacts.S3Config
	}{
		{"s3://artifacts", artifacts.S3Config{Bucket: "artifacts", Endpoint: "s3.amazonaws.com", Secure: true}},
		{"s3://my.bucket-1/platform/prod/?region=eu-west-1", artifacts.S3Config{
			Bucket: "my.bucket-1", Prefix: "platform/prod/", Endpoint: "s3.amazonaws.com", Secure: true, Region: "eu-west-1",
		}},
		{"s3://artifacts?endpoint=seaweedfs:8333&secure=false&path_style=true", artifacts.S3Config{
			Bucket: "artifacts", Endpoint: "seaweedfs:8333", PathStyle: true,
		}},
		{"s3://artifacts?endpoint=http://127.0.0.1:9000", artifacts.S3Config{Bucket: "artifacts", Endpoint: "127.0.0.1:9000"}},
		{"s3://artifacts?endpoint=https://abc.r2.cloudflarestorage.com/&region=auto", artifacts.S3Config{
			Bucket: "artifacts", Endpoint: "abc.r2.cloudflarestorage.com", Secure: true, Region: "auto",
		}},
		{"s3://artifacts?endpoint=storage.googleapis.com&path_style=false", artifacts.S3Config{
			Bucket: "artifacts", Endpoint: "storage.googleapis.com", Secure: true, VirtualHost: true,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := artifacts.ParseS3URL(tc.raw)
			if err != nil || got != tc.want {
				t.Fatalf("ParseS3URL = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestParseS3URLRejects(t *testing.T) {
	tests := map[string]string{
		"":                                "s3://",
		"file:///data":                    "s3://",
		"s3://":                           "bucket",
		"s3://Upper":                      "bucket",
		"s3://a":                          "bucket",
		"s3://bad_name":                   "bucket",
		"s3://a..b":                       "bucket",
		"s3://key:secret@bucket":          "credentials",
		"s3://bucket/a/../b":              "prefix",
		"s3://bucket?endpoint=":           "endpoint",
		"s3://bucket?endpoint=h:0":        "endpoint",
		"s3://bucket?endpoint=h:99999":    "endpoint",
		"s3://bucket?endpoint=h/path":     "endpoint",
		"s3://bucket?secure=maybe":        "secure",
		"s3://bucket?path_style=yes":      "path_style",
		"s3://bucket?endpont=h":           "unknown parameter",
		"s3://bucket?region=a&region=b":   "2 times",
		"s3://bucket?access_key=AKIA1234": "unknown parameter",
		"s3://bucket?endpoint=http://h&secure=true": "contradicts",
	}
	for raw, want := range tests {
		t.Run(raw, func(t *testing.T) {
			_, err := artifacts.ParseS3URL(raw)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("ParseS3URL(%q) = %v; want an error about %s", raw, err, want)
			}
			if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "AKIA1234") {
				t.Fatalf("error shows a credential: %v", err)
			}
		})
	}
}

func TestS3ConfigStringHidesCredentials(t *testing.T) {
	c, err := artifacts.ParseS3URL("s3://artifacts/p?endpoint=127.0.0.1:8333&secure=false")
	if err != nil {
		t.Fatal(err)
	}
	c.AccessKey, c.SecretKey, c.SessionToken = "AKIAEXAMPLE", "wJalrXUtnFEMI", "session-token"
	s := c.String()
	if s != "s3://artifacts/p/ (http://127.0.0.1:8333)" {
		t.Fatalf("String() = %q", s)
	}
}
