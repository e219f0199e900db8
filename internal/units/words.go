package units

import (
	"net"
	"strconv"
	"strings"
)

// Integer is any integer type: what Plural counts with.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// Plural writes n things, with an s when n is not 1 and the thousands of n
// grouped: "1 connection", "50 connections", "1,000 errors".
func Plural[N Integer](n N, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return FormatInt(n) + " " + thing + "s"
}

// FormatInt writes an integer with its thousands grouped by commas, as
// FormatWhole does: 30,280.
func FormatInt[N Integer](n N) string {
	var digits string
	if n < 0 {
		digits = strconv.FormatInt(int64(n), 10)
	} else {
		digits = strconv.FormatUint(uint64(n), 10)
	}
	return groupThousands(digits)
}

// LastLines returns the last n lines of a program's output, joined with
// sep: the end of what it said before it failed, for a one-line error.
func LastLines(s string, n int, sep string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, sep)
}

// OneLine writes an error on one line, for a terminal or a result file:
// each line of its text with its runs of white space made one space, and
// the lines that are not blank joined with "; " (errors.Join puts one
// error on each line).
func OneLine(err error) string {
	if err == nil {
		return ""
	}
	var lines []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			lines = append(lines, strings.Join(f, " "))
		}
	}
	return strings.Join(lines, "; ")
}

// IsLoopback reports whether host, a name or an IP address without a port,
// names this machine: "localhost" in any case, or a loopback address
// (127.0.0.0/8, ::1).
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
