// Package failure says what a failed operation's error was: the class it
// is counted under (Classify, from the server's error reply or the client
// library's error), whether that class means the connection is gone
// (BreaksConnection) or the cluster's topology may have changed
// (TopologySuspect), and one line for the error samples (Describe).
//
// It imports nothing of bench: the run, its pipeline calls and its
// authentication classify their errors with it.
package failure
