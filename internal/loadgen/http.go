package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// StatusError is returned by HTTP for a response outside 2xx.
type StatusError struct{ Code int }

func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d", e.Code) }

// HTTP returns a Func that sends method url with the given headers (no body),
// reads the body to the end so the connection is reused, and fails on a
// transport error or a non-2xx status.
func HTTP(client *http.Client, method, url string, header http.Header) Func {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, method, url, nil)
		if err != nil {
			return err
		}
		if header != nil {
			req.Header = header.Clone()
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return &StatusError{Code: resp.StatusCode}
		}
		return err
	}
}
