package serverstats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/amrbench/amrbench/results"
)

// DefaultTimeout bounds one INFO round trip when Config.Timeout is zero. A
// server saturated by slow commands answers INFO late, after the commands
// queued before it: its reading is late, not lost (the next one, due at a
// boundary already past, follows at once, and each sample's ElapsedS says
// the time it covers).
const DefaultTimeout = 2 * time.Second

// Server is one server to read.
type Server struct {
	// Addr is "host:port", the name the run gives the shard.
	Addr string
	// Role is results.RolePrimary or RoleReplica as the topology says; the
	// server's own INFO (replication section) has the last word.
	Role string
}

// Observer receives the sampler's records: one server record per interval
// and warning events. An error from ServerInterval stops the sampling.
type Observer interface {
	ServerInterval(s *results.ServerInterval) error
	Event(e *results.Event) error
}

// Config says what to read and when.
type Config struct {
	Servers []Server
	// Dial opens a connection to a server as the load's connections are
	// opened (TLS and its verification included); nil dials plain TCP.
	Dial Dialer
	// Credentials authenticates each new connection; nil sends no AUTH.
	Credentials Credentials
	// Interval is the run's interval; Measured the start of its interval 0.
	Interval time.Duration
	Measured time.Time
	// Timeout bounds one connection attempt and one INFO round trip; zero
	// means DefaultTimeout.
	Timeout time.Duration
	// LastIndex, when set, returns the index of the run's last interval
	// once it is known (math.MaxInt64 until then). Boundaries past its start
	// are not read: the run's last interval holds every operation that
	// completed until the load stopped, and its record spans as much, to
	// Stop.
	LastIndex func() int64
	// Discover, when set, is asked at every boundary for the servers to
	// read (a cluster's slot map, as replicas join or a failover promotes
	// one): a server it adds is read from then on.
	Discover func() []Server
}

// infoArgs are the INFO commands tried in turn: the sections a sample uses
// (Redis 7 takes several), then every section (older servers), then the
// default sections (servers that know no section names).
var infoArgs = [][]string{
	{"INFO", "server", "clients", "memory", "stats", "cpu", "replication", "keyspace", "commandstats", "cluster"},
	{"INFO", "all"},
	{"INFO"},
}

// Sampler reads its servers at every interval boundary until Stop.
type Sampler struct {
	cfg     Config
	obs     Observer
	timeout time.Duration
	servers []*server
	ctx     context.Context
	cancel  context.CancelFunc
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	err     error
}

// server is one server's connection and what the sampler knows of it. Only
// the sampler's loop touches it, one reading at a time.
type server struct {
	Server
	conn *conn // nil until dialled, and after a failure
	args int   // index into infoArgs
	// prev is the last reading, the start of the next sample; nil until a
	// reading succeeds.
	prev    *Reading
	refused bool
	// failing is the failure last warned about; empty while readings work.
	failing string
	missed  int
}

// Start takes a first reading of every server, the start of the first
// interval's samples, and goes on reading at every interval boundary until
// Stop or until ctx is done. Only a configuration error is an error: a
// server that cannot be read is a warning event.
func Start(ctx context.Context, cfg Config, obs Observer) (*Sampler, error) {
	if len(cfg.Servers) == 0 {
		return nil, errors.New("server stats: no server to read")
	}
	if cfg.Interval <= 0 {
		return nil, fmt.Errorf("server stats: interval %s is not above zero", cfg.Interval)
	}
	if obs == nil {
		return nil, errors.New("server stats: no observer")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	s := &Sampler{cfg: cfg, obs: obs, timeout: timeout, stop: make(chan struct{}), done: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.add(cfg.Servers)
	start := time.Now()
	s.readAll(start) // the baseline: no sample yet
	go s.loop(start)
	return s, nil
}

// add adds the servers not read yet.
func (s *Sampler) add(servers []Server) {
	for _, sv := range servers {
		if sv.Addr == "" || slices.ContainsFunc(s.servers, func(o *server) bool { return o.Addr == sv.Addr }) {
			continue
		}
		if sv.Role == "" {
			sv.Role = results.RolePrimary
		}
		s.servers = append(s.servers, &server{Server: sv})
	}
}

// Stop takes a last reading, which ends the last interval now, hands its
// record over, and closes the connections. It returns the observer's error
// if one stopped the sampling. It may be called more than once.
func (s *Sampler) Stop() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return s.err
}

// loop reads the servers at every interval boundary after start, and once
// more when stopped.
func (s *Sampler) loop(start time.Time) {
	defer close(s.done)
	defer func() {
		s.cancel()
		for _, sv := range s.servers {
			if sv.conn != nil {
				sv.conn.close()
			}
		}
	}()
	k := floorDiv(start.Sub(s.cfg.Measured), s.cfg.Interval)
	from := start
	// last is the final reading, when Stop asks for it: it ends interval k.
	last := func() {
		now := time.Now()
		if now.After(from) {
			s.emit(k, from, now, s.readAll(now))
		}
	}
	for {
		boundary := s.cfg.Measured.Add(time.Duration(k+1) * s.cfg.Interval)
		timer := time.NewTimer(time.Until(boundary))
		select {
		case <-s.ctx.Done():
			timer.Stop()
			return
		case <-s.stop:
			timer.Stop()
			last()
			return
		case <-timer.C:
		}
		if s.cfg.LastIndex != nil && k >= s.cfg.LastIndex() {
			// The run's last interval goes on until the load stops.
			select {
			case <-s.ctx.Done():
			case <-s.stop:
				last()
			}
			return
		}
		if s.cfg.Discover != nil {
			s.add(s.cfg.Discover())
		}
		if !s.emit(k, from, boundary, s.readAll(boundary)) {
			return
		}
		from, k = boundary, k+1
	}
}

// emit hands over the record of interval k, if any server was sampled; it
// returns false when the observer failed.
func (s *Sampler) emit(k int64, from, to time.Time, samples map[string]*results.ServerSample) bool {
	if len(samples) == 0 {
		return true
	}
	rec := &results.ServerInterval{Type: results.TypeServer, Index: k, Start: from, End: to, Servers: samples}
	if err := s.obs.ServerInterval(rec); err != nil {
		s.err = fmt.Errorf("server stats: %w", err)
		return false
	}
	return true
}

// readAll reads every server at once and returns the samples of those read
// now and at the previous boundary.
func (s *Sampler) readAll(at time.Time) map[string]*results.ServerSample {
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		samples = map[string]*results.ServerSample{}
	)
	for _, sv := range s.servers {
		if sv.refused {
			continue
		}
		wg.Go(func() {
			sample := s.readOne(sv, at)
			if sample != nil {
				mu.Lock()
				samples[sv.Addr] = sample
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return samples
}

// readOne reads one server and returns its sample since its last reading,
// or nil; it warns about failures as they start and end.
func (s *Sampler) readOne(sv *server, at time.Time) *results.ServerSample {
	r, err := s.read(sv)
	var refusal *refusedError
	switch {
	case errors.As(err, &refusal):
		sv.refused = true
		s.warn(at, fmt.Sprintf("server stats: %s refused INFO (%s): the run has no statistics of that server", sv.Addr, refusal.reason))
		return nil
	case err != nil:
		sv.missed++
		if sv.failing == "" { // once per spell of failures
			sv.failing = err.Error()
			s.warn(at, fmt.Sprintf("server stats: cannot read INFO of %s: %s; each interval boundary retries", sv.Addr, sv.failing))
		}
		return nil
	}
	if sv.failing != "" {
		s.warn(at, fmt.Sprintf("server stats: %s answers INFO again, after %d missed reading(s); its next sample spans them", sv.Addr, sv.missed))
		sv.failing, sv.missed = "", 0
	}
	prev := sv.prev
	sv.prev = &r
	if prev == nil {
		return nil
	}
	return Sample(*prev, r, sv.Role, "")
}

func (s *Sampler) warn(at time.Time, detail string) {
	_ = s.obs.Event(&results.Event{Type: results.TypeEvent, Time: at, Kind: results.EventWarning, Detail: detail})
}

// refusedError is a server's refusal of INFO: it will not change during the
// run, so the server is not asked again.
type refusedError struct{ reason string }

func (e *refusedError) Error() string { return "INFO refused: " + e.reason }

// read takes one reading of sv, falling back to simpler INFO commands
// while the server rejects the arguments, and says whether a failure is a
// refusal.
func (s *Sampler) read(sv *server) (Reading, error) {
	fresh := false
	if sv.conn != nil {
		// A new token, if there is one, before the old one expires.
		if err := sv.conn.authenticate(s.ctx, s.cfg.Credentials, s.timeout); err != nil {
			sv.conn.close()
			sv.conn = nil
		}
	}
	if sv.conn == nil {
		c, err := dial(s.ctx, sv.Addr, s.cfg.Dial, s.cfg.Credentials, s.timeout)
		if err != nil {
			return Reading{}, err
		}
		sv.conn, fresh = c, true
	}
	for {
		deadline := time.Now().Add(s.timeout)
		sent := time.Now()
		text, err := sv.conn.do(deadline, infoArgs[sv.args]...)
		done := time.Now()
		if err == nil {
			info := ParseInfo(text)
			if info.Empty() {
				return Reading{}, &refusedError{"it answers with nothing"}
			}
			r := Reading{At: sent.Add(done.Sub(sent) / 2), Info: info}
			if info.Clustered() {
				nodes, err := sv.conn.do(deadline, "CLUSTER", "NODES")
				var re *replyError
				switch {
				case err == nil:
					if n, ok := ClusterNodesSlots(nodes); ok {
						r.Slots = &n
					}
				case !errors.As(err, &re): // the reading stands; the connection does not
					sv.conn.close()
					sv.conn = nil
				}
			}
			return r, nil
		}
		var re *replyError
		if errors.As(err, &re) {
			msg := firstLine(re.msg)
			if isRefusal(msg) || sv.args == len(infoArgs)-1 {
				return Reading{}, &refusedError{msg}
			}
			sv.args++ // the server does not take these sections
			continue
		}
		sv.conn.close()
		sv.conn = nil
		if isTimeout(err) {
			return Reading{}, fmt.Errorf("no answer within %s", s.timeout)
		}
		if !isConnectionClosed(err) {
			return Reading{}, err
		}
		if !fresh {
			// A connection kept from the last reading may have been closed
			// for reasons of its own (idle, its token expired): try once on
			// a new one.
			c, err := dial(s.ctx, sv.Addr, s.cfg.Dial, s.cfg.Credentials, s.timeout)
			if err != nil {
				return Reading{}, err
			}
			sv.conn, fresh = c, true
			continue
		}
		if s.answersPing(sv.Addr) {
			return Reading{}, &refusedError{"it closes the connection on INFO yet answers PING: a proxy that does not pass INFO on, such as twemproxy"}
		}
		return Reading{}, errors.New("the connection closed on INFO")
	}
}

// answersPing reports whether addr answers PING on a new connection.
func (s *Sampler) answersPing(addr string) bool {
	c, err := dial(s.ctx, addr, s.cfg.Dial, s.cfg.Credentials, s.timeout)
	if err != nil {
		return false
	}
	defer c.close()
	reply, err := c.do(time.Now().Add(s.timeout), "PING")
	return err == nil && reply == "PONG"
}

// isRefusal reports whether an error reply to INFO means the server will
// never answer it: an ACL without it, or no such command.
func isRefusal(msg string) bool {
	return strings.HasPrefix(msg, "NOPERM") || strings.Contains(strings.ToLower(msg), "unknown command")
}

func isConnectionClosed(err error) bool {
	if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "EOF") || strings.Contains(msg, "connection reset")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// floorDiv returns d/interval rounded towards minus infinity.
func floorDiv(d, interval time.Duration) int64 {
	k := int64(d / interval)
	if d < 0 && d%interval != 0 {
		k--
	}
	return k
}
