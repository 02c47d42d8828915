package expr

import (
	"errors"
	"fmt"
)

// Sentinel causes wrapped by *Error, for errors.Is.
var (
	// ErrSyntax is a malformed expression: an unexpected or missing token.
	ErrSyntax = errors.New("syntax error")
	// ErrForbidden is syntax outside the safe subset: statements, comments,
	// ';', subqueries, functions or types not on the allowlists.
	ErrForbidden = errors.New("not allowed")
	// ErrUnknownColumn is an identifier that is not an allowed column.
	ErrUnknownColumn = errors.New("unknown column")
	// ErrLimit is input over Limits.MaxLen or a tree deeper than
	// Limits.MaxDepth.
	ErrLimit = errors.New("limit exceeded")
)

// Error is a refused expression. Offset is the byte offset of Token, the
// offending source text (truncated to 40 bytes), in the input; at the end of
// input Token is empty and Offset is the input length.
type Error struct {
	Offset int
	Token  string
	Msg    string
	Err    error
}

// Error formats the error as "expr: msg at offset N near "tok"".
func (e *Error) Error() string {
	if e.Token == "" {
		return fmt.Sprintf("expr: %s at offset %d", e.Msg, e.Offset)
	}
	return fmt.Sprintf("expr: %s at offset %d near %q", e.Msg, e.Offset, e.Token)
}

// Unwrap returns the sentinel cause.
func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error at off for token text tok.
func errorf(cause error, off int, tok string, format string, args ...any) *Error {
	const max = 40
	if len(tok) > max {
		tok = tok[:max]
	}
	return &Error{Offset: off, Token: tok, Msg: fmt.Sprintf(format, args...), Err: cause}
}
