package api

import (
	"errors"
	"fmt"
	"io"
	"mime"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/common/strictjson"
)

// MaxCreateBodyBytes bounds the body of POST /accounts.
const MaxCreateBodyBytes = 64 << 10

// jsonMediaType is the one media type POST /accounts reads.
const jsonMediaType = "application/json"

// CheckJSONMediaType checks a request's Content-Type header value: it must
// be application/json (RFC 8259 §11), in any case, with or without
// parameters such as charset=utf-8 (parsed by mime.ParseMediaType, RFC 9110
// §8.3.1). A missing, malformed or other media type is an error naming it,
// for a 415 answer (RFC 9110 §15.5.16).
func CheckJSONMediaType(contentType string) error {
	if contentType == "" {
		return fmt.Errorf("missing Content-Type: want %s", jsonMediaType)
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("Content-Type %q: %w: want %s", contentType, err, jsonMediaType)
	}
	if mediaType != jsonMediaType {
		return fmt.Errorf("Content-Type %q: want %s", mediaType, jsonMediaType)
	}
	return nil
}

// createAccountRequest is the body of POST /accounts.
type createAccountRequest struct {
	Name *string `json:"name"`
}

// DecodeCreateAccount reads a POST /accounts body: exactly one JSON object
// with the single member "name" (spelled in lower case, once), valid UTF-8,
// nothing after it, as common/strictjson defines. It returns the name
// normalized by account.NormalizeName. Every error wraps account.ErrInvalid;
// one caused by an over-long body also wraps the *http.MaxBytesError.
func DecodeCreateAccount(r io.Reader) (string, error) {
	var req createAccountRequest
	if err := strictjson.Decode(r, &req); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return "", fmt.Errorf("%w: request body: incomplete or empty JSON: %w", account.ErrInvalid, err)
		}
		return "", fmt.Errorf("%w: request body: %w", account.ErrInvalid, err)
	}
	if req.Name == nil {
		return "", fmt.Errorf("%w: name is required", account.ErrInvalid)
	}
	return account.NormalizeName(*req.Name)
}
