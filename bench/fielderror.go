package bench

import (
	"errors"
	"fmt"
	"strings"
)

// A FieldError says why a value of a Config cannot be used. Its message
// names the configuration's fields in the configuration's own terms, by the
// path of their JSON names ("connections", "target.entra.reauth_before");
// Fields lists them, and Hint, when set, is a field whose value would fix
// the error without being named in the message (a password for an auth mode
// that needs one). A caller that knows the fields by other names — the
// command line, by its flags — says the same with Rename, after the way
// k6's errext.WithHint lets a caller add what only it knows.
//
// FieldErrors are returned as they are, or wrapped (fmt.Errorf's %w,
// errors.Join): Error's text is a part of every wrapper's, so a caller can
// replace each one's text with its renamed version.
type FieldError struct {
	// Fields are the fields the message names.
	Fields []string
	// Hint is a field the message does not name whose value would fix the
	// error; empty when there is none.
	Hint string
	// msg is the message, each field written as {path}; err is the error
	// it wraps, if any.
	msg string
	err error
}

// fieldErrorf returns a FieldError whose message is format with args (as
// fmt.Errorf makes it, %w included), in which every field of fields is
// written as {path}.
func fieldErrorf(fields []string, format string, args ...any) *FieldError {
	err := fmt.Errorf(format, args...)
	return &FieldError{Fields: fields, msg: err.Error(), err: errors.Unwrap(err)}
}

// Unwrap returns the error the message wraps, if any.
func (e *FieldError) Unwrap() error { return e.err }

// Error returns the message, naming every field by its path.
func (e *FieldError) Error() string { return e.Rename(nil) }

// Rename returns the message with every field named by name(path); a nil
// name, or one that returns "", names a field by its path.
func (e *FieldError) Rename(name func(path string) string) string {
	msg := e.msg
	for _, f := range e.Fields {
		n := f
		if name != nil {
			if r := name(f); r != "" {
				n = r
			}
		}
		msg = strings.ReplaceAll(msg, "{"+f+"}", n)
	}
	return msg
}
