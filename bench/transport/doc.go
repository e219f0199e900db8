// Package transport is how amrbench's bytes move between a worker and a
// Redis server: the dialer chain go-redis uses for every connection (TCP,
// then raw or polling reads and writes, then TLS, then lazily moved
// deadlines), how connections wait for their replies (ReplyWait, Waits and
// their statistics), and the TLS options of a target.
//
// The chain, from the socket up:
//
//   - rawConn (Linux): reads and writes are single non-blocking system
//     calls that keep the goroutine's CPU slot; elsewhere the net.Conn as is.
//   - pollConn (Linux): while a run's Waits say so, reads yield and poll
//     instead of parking in the network poller, as an event loop does.
//   - TLS (crypto/tls), when the target asks for it.
//   - deadlineConn: go-redis's per-command deadlines, moved only when they
//     must be.
//
// SpeaksTLS and SpeaksPlainRESP probe which protocol a port speaks, so that
// a client and a server that disagree about TLS are told so at once.
//
// The files ending in _linux.go and _other.go are build-tag pairs: the
// other platforms get the plain connection and always park.
//
// This package imports nothing of amrbench: it knows connections, not runs.
package transport
