// Package stats counts what signing transports sign and what AWS answers —
// per service, per status and error code, retries, network failures, the
// last error and the clock skew — under labels from fixed sets, so that no
// host asked and no answer given can grow them.
package stats
