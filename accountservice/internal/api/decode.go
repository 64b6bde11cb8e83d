package api

import (
	"errors"
	"fmt"
	"io"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/common/strictjson"
)

// MaxCreateBodyBytes bounds the body of POST /accounts.
const MaxCreateBodyBytes = 64 << 10

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
