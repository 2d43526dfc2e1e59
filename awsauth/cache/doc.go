// Package cache holds a provider's current credentials and keeps them
// fresh: one atomic load per Retrieve while they are valid, a refresh in
// the background ahead of expiry (with jitter, so a fleet does not refresh
// in step), one refresh at a time, old credentials kept until they really
// expire when a refresh fails, and backoff between failures.
package cache
