package eventsclient

import "errors"

// Sentinel errors. Errors returned by the client wrap them (test with errors.Is).
var (
	// ErrUnauthorized: the server refused the token (error frame "unauthorized"
	// or close code 4401). It is fatal: the client stops reconnecting.
	ErrUnauthorized = errors.New("eventsclient: unauthorized")
	// ErrForbidden: the caller may not read the stream (error code "forbidden").
	ErrForbidden = errors.New("eventsclient: forbidden")
	// ErrNotFound: the stream does not exist (error code "not_found").
	ErrNotFound = errors.New("eventsclient: stream not found")
	// ErrTooManySubscriptions: the connection reached the server's subscription
	// limit (error code "too_many_subscriptions").
	ErrTooManySubscriptions = errors.New("eventsclient: too many subscriptions")
	// ErrBadRequest: the server rejected a frame as malformed (error code
	// "bad_request"), or the caller passed an invalid argument.
	ErrBadRequest = errors.New("eventsclient: bad request")
	// ErrClosed: the client was closed (Close, or the Dial context is done).
	ErrClosed = errors.New("eventsclient: client closed")
)

// States reported to Options.OnState.
const (
	StateConnecting   = "connecting"   // a connection attempt starts
	StateReady        = "ready"        // connected and authenticated
	StateDisconnected = "disconnected" // a connection or an attempt failed (err says why)
	StateGap          = "gap"          // a seq gap was seen; the stream is resubscribed from last
	StateError        = "error"        // an error frame nobody waited for (e.g. a resubscribe was refused)
)

// ServerError is an {"type":"error"} frame sent by the server. It unwraps to
// the sentinel matching its code (ErrForbidden, ErrNotFound, …) when known.
type ServerError struct {
	Code    string // "unauthorized", "forbidden", "not_found", "too_many_subscriptions", "bad_request", …
	Message string // human-readable message from the server
	Stream  string // the stream the error is about, if any
}

// Error implements error.
func (e *ServerError) Error() string {
	s := "server error " + e.Code
	if e.Stream != "" {
		s += " for " + e.Stream
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap returns the sentinel error for the code, or nil.
func (e *ServerError) Unwrap() error {
	switch e.Code {
	case "unauthorized":
		return ErrUnauthorized
	case "forbidden":
		return ErrForbidden
	case "not_found":
		return ErrNotFound
	case "too_many_subscriptions":
		return ErrTooManySubscriptions
	case "bad_request":
		return ErrBadRequest
	}
	return nil
}
