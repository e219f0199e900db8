// Package blobstore keeps the result files of a split test in Azure Blob
// Storage, where they outlive the machines (or Kubernetes pods) that ran the
// segments: a Sink appends a running segment's result.jsonl to an append
// blob interval by interval and uploads its other files at the end, and a
// Reader lists and streams the segments of a test for a merge.
//
// Blobs are named PREFIX/seg-<i>-of-<n>/<file> under one container, given as
// https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX, optionally with a
// SAS query (then no credential is needed), or, for the storage emulator,
// https://127.0.0.1:PORT/ACCOUNT/CONTAINER/PREFIX.
package blobstore
