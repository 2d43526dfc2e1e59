// Package tests holds the end-to-end tests: the real Flow controller with the
// real upstream components, talking to the fakes of the awsauthtest kit.
package tests
