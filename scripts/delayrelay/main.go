// Command delayrelay puts a fixed round-trip time between Redis clients and
// a server on one machine, where the kernel's netem qdisc is not available:
// it relays every connection to the backend and holds each direction's
// bytes for half the round trip, in order, before passing them on.
//
// It is lean on purpose, since it shares the machine with the client and
// the server it stands between: one thread, one epoll loop over every
// socket, reads appended to each direction's own buffer and written with
// one system call once due, one timerfd for the earliest due bytes (Go's
// timers wake an idle process up to a millisecond late). On exit it prints
// its own CPU time and how late it passed bytes on, so a comparison can
// show what the relay cost beside what the tools did.
//
//	go run ./scripts/delayrelay --backend 127.0.0.1:6379 --rtt 1ms
//
// It prints the address it listens on as its first line on stdout, and runs
// until SIGINT, SIGTERM or the end of its standard input (when started with
// --stdin); then it prints its report on stderr. scripts/compare-peer.sh
// starts one for each run of each tool (--rtt).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	backend := flag.String("backend", "", "address of the server, host:port (an IP address)")
	rtt := flag.Duration("rtt", time.Millisecond, "round-trip time to add: each direction holds its bytes for half of it")
	stdin := flag.Bool("stdin", false, "stop when standard input ends, as well as on SIGINT and SIGTERM")
	flag.Parse()
	if *backend == "" || *rtt < 0 {
		fmt.Fprintln(os.Stderr, "delayrelay: give --backend host:port and a --rtt of 0 or more")
		os.Exit(2)
	}
	r, err := newRelay(*listen, *backend, *rtt/2)
	if err != nil {
		fmt.Fprintln(os.Stderr, "delayrelay:", err)
		os.Exit(1)
	}
	fmt.Println(r.addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	if *stdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop <- syscall.SIGTERM
		}()
	}
	go func() {
		<-stop
		r.stop()
	}()
	start := time.Now()
	if err := r.run(); err != nil {
		fmt.Fprintln(os.Stderr, "delayrelay:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, r.report(time.Since(start)))
}
