package benchtest

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestMain lets the test binary be a delay proxy (StartDelayProxy).
func TestMain(m *testing.M) {
	if DelayProxyMain() {
		return
	}
	os.Exit(m.Run())
}

// TestBlackholeHoldsEverythingForAWhile checks the proxy's blackhole: a
// command sent into it gets no reply until it ends, a connection opened in
// it reaches nothing, and afterwards both go through.
func TestBlackholeHoldsEverythingForAWhile(t *testing.T) {
	t.Parallel()
	s := StartServer(t)
	p := StartDelayProxy(t, net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), 0)
	client := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(p.Host, strconv.Itoa(p.Port)), Protocol: 2, DisableIdentity: true,
		ReadTimeout: 200 * time.Millisecond, DialTimeout: 200 * time.Millisecond, MaxRetries: -1, PoolSize: 1})
	defer client.Close()
	ctx := context.Background()
	if err := client.Ping(ctx).Err(); err != nil {
		t.Fatalf("before the blackhole: %v", err)
	}
	const hole = 1500 * time.Millisecond
	start := time.Now()
	p.Blackhole(t, hole)
	time.Sleep(50 * time.Millisecond) // the proxy reads its command
	if err := client.Ping(ctx).Err(); err == nil {
		t.Fatal("a PING into the blackhole was answered")
	}
	// The connection that timed out is gone; a new one waits for the hole
	// to close.
	fresh := redis.NewClient(&redis.Options{Addr: client.Options().Addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1,
		ReadTimeout: 5 * time.Second, DialTimeout: 5 * time.Second})
	defer fresh.Close()
	if err := fresh.Ping(ctx).Err(); err != nil {
		t.Fatalf("after the blackhole: %v", err)
	}
	if waited := time.Since(start); waited < hole-100*time.Millisecond || waited > hole+2*time.Second {
		t.Fatalf("the PING after the blackhole was answered %s after it began, want about %s", waited, hole)
	}
}
