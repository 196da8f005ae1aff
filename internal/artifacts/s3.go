package artifacts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is a Store on an S3-compatible object store. The blob "sha256:abcd…" is
// the object <prefix>sha256/ab/cd…, the same layout as FS; a manifest is a
// blob like any other. Objects are content-addressed, so a put is a plain
// idempotent PUT (an object store never shows a partial object) and two
// writers of one digest write the same bytes.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
	where  string // S3Config.String(), for errors: never the credentials
}

var _ Store = (*S3)(nil)

// s3Parallelism bounds the blobs of one tree read or written at once: each is
// a round trip to the object store, which the filesystem does not pay.
const s3Parallelism = 8

// s3IdleConnsPerHost is how many idle connections to the object store the
// client keeps. Every activity slot of a worker (16 by default) may read or
// write s3Parallelism blobs at once; with the client's default of 16, most
// of those connections were closed after one request and the next request
// opened a new one (a TCP handshake, and a socket in TIME_WAIT, per blob).
const s3IdleConnsPerHost = 256

// NewS3 connects to the bucket, creating it if it does not exist yet.
func NewS3(ctx context.Context, c S3Config) (*S3, error) {
	if c.Bucket == "" || c.Endpoint == "" {
		return nil, errors.New("artifacts: S3 needs a bucket and an endpoint")
	}
	if (c.AccessKey == "") != (c.SecretKey == "") {
		return nil, errors.New("artifacts: S3 needs both an access key and a secret key, or neither")
	}
	creds := credentials.NewIAM("") // the instance's role (EC2, ECS, EKS web identity)
	if c.AccessKey != "" {
		creds = credentials.NewStaticV4(c.AccessKey, c.SecretKey, c.SessionToken)
	}
	lookup := minio.BucketLookupAuto
	switch {
	case c.PathStyle:
		lookup = minio.BucketLookupPath
	case c.VirtualHost:
		lookup = minio.BucketLookupDNS
	}
	transport, err := minio.DefaultTransport(c.Secure)
	if err != nil {
		return nil, fmt.Errorf("artifacts %s: %w", c, err)
	}
	transport.MaxIdleConns = s3IdleConnsPerHost
	transport.MaxIdleConnsPerHost = s3IdleConnsPerHost
	client, err := minio.New(c.Endpoint, &minio.Options{
		Creds: creds, Secure: c.Secure, Region: c.Region, BucketLookup: lookup, Transport: transport,
	})
	if err != nil {
		return nil, fmt.Errorf("artifacts %s: %w", c, err)
	}
	s := &S3{client: client, bucket: c.Bucket, prefix: c.Prefix, where: c.String()}
	if err := s.ensureBucket(ctx, c.Region); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *S3) ensureBucket(ctx context.Context, region string) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("artifacts %s: %w", s.where, err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
		return fmt.Errorf("artifacts %s: create bucket: %w", s.where, err)
	}
	return nil
}

// key is only called with a validated digest.
func (s *S3) key(digest string) string {
	h := digest[len(digestPrefix):]
	return s.prefix + "sha256/" + h[:2] + "/" + h[2:]
}

// PutBlob stores data under its digest. It always writes: the bytes are the
// same as any copy already there, and a damaged copy is replaced.
//
// The body goes as UNSIGNED-PAYLOAD, as the client sends small objects over
// HTTPS anyway; over plain HTTP it would otherwise sign the body in chunks
// (aws-chunked: a SHA-256 and an HMAC per chunk, checked again by the
// server). The body is named by its own SHA-256 and every read checks the
// bytes against it, so a body changed on the way is found (ErrCorrupt) and
// the next put of the same bytes replaces it; the request itself is still
// signed.
func (s *S3) PutBlob(ctx context.Context, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	digest := DigestOf(data)
	_, err := s.client.PutObject(ctx, s.bucket, s.key(digest), bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream", DisableContentSha256: true})
	if err != nil {
		return "", fmt.Errorf("put blob %s to %s: %w", digest, s.where, err)
	}
	return digest, nil
}

// GetBlob returns the blob's bytes after checking them against the digest.
func (s *S3) GetBlob(ctx context.Context, digest string) ([]byte, error) {
	if err := checkDigest(digest); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.key(digest), minio.GetObjectOptions{})
	var data []byte
	if err == nil {
		data, err = io.ReadAll(obj)
		_ = obj.Close()
	}
	if err != nil {
		if r := minio.ToErrorResponse(err); r.Code == minio.NoSuchKey || r.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("blob %s: %w", digest, ErrNotFound)
		}
		return nil, fmt.Errorf("read blob %s from %s: %w", digest, s.where, err)
	}
	if DigestOf(data) != digest {
		return nil, fmt.Errorf("blob %s: %w: content hash mismatch", digest, ErrCorrupt)
	}
	return data, nil
}

// PutTree stores the files and their manifest; see Store.
func (s *S3) PutTree(ctx context.Context, files []File) (string, error) {
	return putTree(ctx, s, files, s.treeParallelism())
}

// treeParallelism is how many files of a tree are read or written at once.
func (*S3) treeParallelism() int { return s3Parallelism }

// GetManifest returns the manifest named by digest; see Store.
func (s *S3) GetManifest(ctx context.Context, digest string) (Manifest, error) {
	return getManifest(ctx, s, digest)
}

// GetTree returns the files of the tree named by digest; see Store.
func (s *S3) GetTree(ctx context.Context, digest string) ([]File, error) {
	return getTree(ctx, s, digest, s.treeParallelism())
}
