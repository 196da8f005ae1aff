package artifacts_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/tests3"
)

func TestMain(m *testing.M) {
	code := m.Run()
	tests3.StopShared()
	os.Exit(code)
}

const testBucket = "artifacts-test"

// newS3 is the contract's factory for the S3 store: a fresh prefix in one
// bucket of the test binary's SeaweedFS.
func newS3(t *testing.T) contractStore {
	t.Helper()
	srv := tests3.Shared(t)
	prefix := tests3.NewPrefix()
	s, err := artifacts.NewS3(t.Context(), srv.Config(testBucket, prefix))
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	key := func(digest string) string {
		h := strings.TrimPrefix(digest, "sha256:")
		return prefix + "/sha256/" + h[:2] + "/" + h[2:]
	}
	return contractStore{
		Store: s,
		tamper: func(t *testing.T, digest string, data []byte) {
			t.Helper()
			var err error
			if data == nil {
				err = client.RemoveObject(t.Context(), testBucket, key(digest), minio.RemoveObjectOptions{})
			} else {
				_, err = client.PutObject(t.Context(), testBucket, key(digest), bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
			}
			if err != nil {
				t.Fatal(err)
			}
		},
		blobs: func(t *testing.T) int {
			t.Helper()
			n := 0
			for obj := range client.ListObjects(t.Context(), testBucket, minio.ListObjectsOptions{Prefix: prefix + "/", Recursive: true}) {
				if obj.Err != nil {
					t.Fatal(obj.Err)
				}
				if !strings.HasPrefix(obj.Key, prefix+"/sha256/") {
					t.Fatalf("object %q outside the store's layout", obj.Key)
				}
				n++
			}
			return n
		},
	}
}

func TestS3Contract(t *testing.T) { testStoreContract(t, newS3) }

// TestS3CreatesItsBucket: the first process to open a new bucket creates
// it; the next ones (and a prefix-less store) share it.
func TestS3CreatesItsBucket(t *testing.T) {
	srv := tests3.Shared(t)
	bucket := "fresh-" + tests3.NewPrefix()
	ctx := t.Context()
	a, err := artifacts.NewS3(ctx, srv.Config(bucket, ""))
	if err != nil {
		t.Fatalf("NewS3 on a new bucket: %v", err)
	}
	d, err := a.PutTree(ctx, []artifacts.File{{Path: "index.html", Content: []byte("<h1>shared</h1>")}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := artifacts.NewS3(ctx, srv.Config(bucket, ""))
	if err != nil {
		t.Fatalf("NewS3 on an existing bucket: %v", err)
	}
	files, err := b.GetTree(ctx, d)
	if err != nil || len(files) != 1 || string(files[0].Content) != "<h1>shared</h1>" {
		t.Fatalf("another process's GetTree = %+v, %v", files, err)
	}
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	h := strings.TrimPrefix(d, "sha256:")
	if _, err := client.StatObject(ctx, bucket, "sha256/"+h[:2]+"/"+h[2:], minio.StatObjectOptions{}); err != nil {
		t.Fatalf("manifest not at sha256/<2 hex>/<62 hex>: %v", err)
	}
}

// TestS3RefusesWrongCredentials: a bad secret is an error at open, and its
// message holds no credential.
func TestS3RefusesWrongCredentials(t *testing.T) {
	srv := tests3.Shared(t)
	c := srv.Config(testBucket, "")
	c.SecretKey = "wrong-secret-value"
	_, err := artifacts.NewS3(t.Context(), c)
	if err == nil {
		t.Fatal("NewS3 with a wrong secret succeeded")
	}
	t.Logf("wrong secret: %v", err)
	if strings.Contains(err.Error(), "wrong-secret-value") || strings.Contains(err.Error(), srv.SecretKey) {
		t.Fatalf("error shows the secret: %v", err)
	}
	if !strings.Contains(err.Error(), srv.Endpoint) {
		t.Fatalf("error does not say which store: %v", err)
	}
}

// TestS3Unreachable: a store that cannot be reached is an error, not a
// missing artifact (which would make the pipeline regenerate or fail a
// deployment for good).
func TestS3Unreachable(t *testing.T) {
	srv := tests3.Shared(t)
	ctx := t.Context()
	s, err := artifacts.NewS3(ctx, srv.Config(testBucket, tests3.NewPrefix()))
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.PutBlob(ctx, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Config(testBucket, "")
	c.Endpoint = "127.0.0.1:1"
	closed, cancelClosed := context.WithTimeout(ctx, 5*time.Second)
	defer cancelClosed()
	if _, err := artifacts.NewS3(closed, c); err == nil {
		t.Fatal("NewS3 on a closed port succeeded")
	} else {
		t.Logf("closed port: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 0)
	defer cancel()
	if _, err := s.GetBlob(short, d); err == nil || errors.Is(err, artifacts.ErrNotFound) {
		t.Fatalf("GetBlob with an expired context = %v; want an error that is not ErrNotFound", err)
	}
}
