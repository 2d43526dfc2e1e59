package field

import (
	"errors"
	"fmt"
	"os"
	"regexp"
)

// Error reports a bad configuration value. Field is the argument's River
// name (or the environment variable's), Block the block that holds it,
// if any, so that the message points at what the user wrote.
type Error struct {
	Block   string
	Field   string
	Problem string
}

func (e *Error) Error() string {
	if e.Block != "" {
		return e.Block + ": " + e.Field + ": " + e.Problem
	}
	return e.Field + ": " + e.Problem
}

// Errorf returns an Error for the argument name.
func Errorf(name, format string, args ...any) *Error {
	return &Error{Field: name, Problem: fmt.Sprintf(format, args...)}
}

// In places the error in a block: "roles_anywhere: role_arn: …".
func (e *Error) In(block string) *Error {
	e.Block = block
	return e
}

var (
	roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	// STS's alphabet for RoleSessionName and SourceIdentity.
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

// IsRoleARN tells whether v is an IAM role ARN in any partition.
func IsRoleARN(v string) bool { return roleARNPattern.MatchString(v) }

// IsSessionName tells whether STS takes v as a RoleSessionName or
// SourceIdentity.
func IsSessionName(v string) bool { return sessionNamePattern.MatchString(v) }

// BadRoleARN is the error for a value that is not an IAM role ARN.
func BadRoleARN(name, v string) *Error {
	return Errorf(name, "%q is not an IAM role ARN (like arn:aws:iam::123456789012:role/NAME)", v)
}

// BadSessionName is the error for a value STS would refuse as a session
// name or source identity.
func BadSessionName(name, v string) *Error {
	return Errorf(name, "%q must be 2 to 64 characters of letters, digits and +=,.@-", v)
}

// BadRegion is the error for a value that is not a region name.
func BadRegion(name, v string) *Error {
	return Errorf(name, "%q is not an AWS region name (like us-east-1)", v)
}

// Path renders a file error as "PATH: problem", without Go's "open"
// prefix, for messages that already say what was being read.
func Path(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

var sessionNameInvalid = regexp.MustCompile(`[^\w+=,.@-]`)

// SessionName makes a session name STS takes out of any text (a host
// name, say): other characters become "-", and it is cut at 64.
func SessionName(text string) string {
	name := sessionNameInvalid.ReplaceAllString(text, "-")
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}
