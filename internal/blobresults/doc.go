// Package blobresults is a run's results in an Azure Blob Storage container
// as the command line handles them beyond results/blobstore's sink: at a
// run's end, the result blob flushed and the run directory's other files
// uploaded within a deadline, with what did not arrive said; and the
// segments a merge reads back from a container, each checked against the
// place it was found in.
package blobresults
