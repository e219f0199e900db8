// Package cmdline is the command line's conventions, apart from any command:
// GNU-style flag sets whose --help lists the flags under their groups'
// titles and ends with examples, a "did you mean" for a misspelt command or
// flag, the flag values people type — durations in seconds or with a unit,
// byte sizes, lists of percentiles — and the small files flags name (a
// password, a key, certificates), read with a bound. The commands
// themselves, their flags and the exit statuses are the program's
// (cmd/amrbench).
package cmdline
