// Package herd simulates a fleet: 10,000 aws.auth credential caches, as
// 10,000 agents would run them, against one rate-limited STS. It runs
// without the race detector, which allows at most 8128 live goroutines.
package herd
