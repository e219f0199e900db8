// Package archtest holds the test of amrbench's import rules; it has no
// code of its own.
package archtest
