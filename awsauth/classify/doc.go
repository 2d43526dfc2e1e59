// Package classify turns what AWS answers into what a user acts on: an
// error code's class (expired, access denied, clock skew, …), the error
// parsed out of a response body in any of AWS's wire formats, the
// principal and action of an AccessDenied, a short rendering of an SDK
// error, and metric labels from fixed sets so that no answer can grow them.
package classify
