//go:build !linux

package transport

import "net"

// pollingSupported says connections can poll here: not on this platform,
// where they always park.
const pollingSupported = false

// pollConn is not used on this platform (Waits is always nil).
type pollConn struct{ net.Conn }

func newPollConn(c net.Conn, _ *Waits) net.Conn { return c }

// rawIO leaves c alone: raw reads and writes are for Linux (rawConn).
func rawIO(c net.Conn) net.Conn { return c }

func (c *pollConn) kick() {}
