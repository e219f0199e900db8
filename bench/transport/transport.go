package transport

import "fmt"

// Transport is how a connection's reads and writes reach its socket
// (--transport).
type Transport string

const (
	// TransportAuto uses raw system calls where the platform has them
	// (Linux) and Go's own net.Conn elsewhere.
	TransportAuto Transport = "auto"
	// TransportRaw makes each read and write a single non-blocking system
	// call that keeps the goroutine's CPU slot (rawConn); its connections
	// may poll for replies (ReplyWait). Linux only.
	TransportRaw Transport = "raw"
	// TransportStd is Go's net.Conn as it is: reads and writes through the
	// runtime's system-call path, a read that finds nothing parks in the
	// network poller. Its connections always park.
	TransportStd Transport = "std"
)

// ParseTransport reads a Transport from its name; the empty name is auto.
func ParseTransport(s string) (Transport, error) {
	switch t := Transport(s); t {
	case "":
		return TransportAuto, nil
	case TransportAuto, TransportStd:
		return t, nil
	case TransportRaw:
		if !pollingSupported {
			return "", fmt.Errorf("%q: raw system calls are for Linux; want auto or std", s)
		}
		return t, nil
	}
	return "", fmt.Errorf("%q: want auto, raw or std", s)
}

// Raw reports whether connections of t make raw system calls on this
// platform (and so may poll for replies).
func (t Transport) Raw() bool {
	return pollingSupported && t != TransportStd
}
