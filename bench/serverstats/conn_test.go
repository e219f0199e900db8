package serverstats

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		replyErr       string // an error reply's text
		fails          bool   // any other error
	}{
		{"simple", "+PONG\r\n", "PONG", "", false},
		{"integer", ":42\r\n", "42", "", false},
		{"bulk", "$12\r\n# Server\r\na:\r\n", "# Server\r\na:", "", false},
		{"empty bulk", "$0\r\n\r\n", "", "", false},
		{"nil bulk", "$-1\r\n", "", "", false},
		{"error", "-NOPERM this user has no permissions to run the 'info' command\r\n", "", "NOPERM this user has no permissions to run the 'info' command", false},
		{"array", "*2\r\n$1\r\na\r\n:1\r\n", "", "", true},
		{"bulk cut short", "$10\r\nabc", "", "", true},
		{"bad length", "$x\r\n", "", "", true},
		{"no CRLF", "+OK\n", "", "", true},
		{"RESP3 type", "%1\r\n", "", "", true},
		{"nothing", "", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &conn{r: bufio.NewReader(strings.NewReader(tt.in))}
			got, err := c.reply()
			var re *replyError
			switch {
			case tt.replyErr != "":
				if !errors.As(err, &re) || re.msg != tt.replyErr {
					t.Fatalf("reply() = %q, %v; want error reply %q", got, err, tt.replyErr)
				}
			case tt.fails:
				if err == nil || errors.As(err, &re) {
					t.Fatalf("reply() = %q, %v; want a failure", got, err)
				}
			case err != nil || got != tt.want:
				t.Fatalf("reply() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
