package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// relay is a scripts/delayrelay process in front of the server, for one run.
type relay struct {
	port   int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer
	start  time.Time
}

// startRelay starts a relay that adds rtt between its clients and backend.
func startRelay(bin, backend string, rtt time.Duration) (*relay, error) {
	r := &relay{cmd: exec.Command(bin, "--backend", backend, "--rtt", rtt.String(), "--stdin")}
	r.cmd.Stderr = &r.stderr
	var err error
	if r.stdin, err = r.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the delay relay: %w", err)
	}
	r.start = time.Now()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		return nil, fmt.Errorf("the delay relay gave no address: %v: %s", err, r.stderr.String())
	}
	_, port, err := net.SplitHostPort(strings.TrimSpace(line))
	if err == nil {
		r.port, err = strconv.Atoi(port)
	}
	if err != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		return nil, fmt.Errorf("the delay relay's address %q: %w", line, err)
	}
	return r, nil
}

// stop ends the relay and returns its CPU time as a share of one CPU over
// its life.
func (r *relay) stop() (float64, error) {
	_ = r.stdin.Close()
	if err := r.cmd.Wait(); err != nil {
		return 0, fmt.Errorf("the delay relay: %v: %s", err, r.stderr.String())
	}
	ru := r.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpu.Seconds() / time.Since(r.start).Seconds(), nil
}
