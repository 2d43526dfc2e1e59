package awsauth

import "fmt"

// FieldError reports a bad configuration value. Field is the argument's River
// name, so the message points at what the user wrote. Problem never contains
// a secret value.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

func fieldErrorf(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}
