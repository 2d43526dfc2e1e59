// Package exitstatus is the one error kind a command returns when it has
// already said what went wrong: main exits with its status and prints
// nothing more.
package exitstatus

// Error is a command's failure whose diagnosis is printed; Status is the
// exit status.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// New is an Error of status with msg (for tests and wrapping; main does
// not print it).
func New(status int, msg string) *Error { return &Error{status, msg} }
