// Package stopsignal is what a signal that stops a program means: the
// cause a context is cancelled with (which signal, when it came), the
// signal's name, the exit status shells report for it, whether it came
// before a run's planned end, and the warning event that records a run
// stopped early. Catching the signals and exiting are the program's own.
package stopsignal
