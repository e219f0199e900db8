// Command amrbench is a load and latency benchmark for Redis, built first for
// Azure Managed Redis and Azure Cache for Redis.
//
// This package is the command line: it alone reads flags and files, handles
// signals and exits. The work is done by the bench, workloads, results and
// report packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/amrbench/amrbench/internal/cmdline"
	"github.com/amrbench/amrbench/internal/stopsignal"
	"github.com/amrbench/amrbench/internal/units"
	"github.com/amrbench/amrbench/results"
)

// environment is what a subcommand may touch of the process, so tests can run
// subcommands in-process.
type environment struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// stderrIsTerminal selects live progress bars over plain lines.
	stderrIsTerminal bool
	// setMaxProcs sets how many CPUs Go may use and returns the previous
	// setting (runtime.GOMAXPROCS); nil leaves the process alone, as tests
	// running subcommands in-process need.
	setMaxProcs func(int) int
	// flagSets, when set, is shown every subcommand's flag set as it is
	// made (the tests check the documentation of the flags against them).
	flagSets func(command string, fs *pflag.FlagSet)
	// now is the time; nil means time.Now.
	now func() time.Time
	// setGCPercent sets the garbage collector's target (debug.SetGCPercent)
	// and returns the previous one; nil leaves the process alone.
	setGCPercent func(int) int
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

var commands = map[string]command{
	"run":     {summary: "benchmark a Redis endpoint and write its results", run: runCommand},
	"compare": {summary: "put runs side by side, with their differences and whether they exceed the noise", run: compareCommand},
	"tiers":   {summary: "print the Azure SKU catalog, every figure with its source", run: tiersCommand},
	"plan":    {summary: "recommend the smallest SKU per tier from measured runs", run: planCommand},
	"report":  {summary: "render a result file again: text, md, csv, html, hgrm or hlog", run: reportCommand},
	"merge":   {summary: "merge the results of one test run from several machines", run: mergeCommand},
	"k8s-job": {summary: "print a Kubernetes Job that runs one test from many pods", run: k8sJobCommand},
	"version": {summary: "print the version", run: versionCommand},
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errAnswered is a failure the command has already told the user in its
// output (a plan that no SKU meets): exit status 1 with nothing repeated.
var errAnswered = errors.New("answered")

func main() {
	redis.SetLogger(quietLogger{}) // go-redis's own log lines would garble our output
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	// A run stops cleanly on the first signal: operations in flight
	// complete and every result file is written. Every other command has
	// nothing worth finishing, and stops at once.
	graceful := len(os.Args) > 1 && os.Args[1] == "run"
	go func() {
		sig := <-sigs
		if !graceful {
			os.Exit(stopsignal.ExitCode(sig))
		}
		fmt.Fprintf(os.Stderr, "\namrbench: %s: stopping: finishing the operations in flight and writing the results (a second signal quits at once)\n", stopsignal.Name(sig))
		cancel(stopsignal.Stop{Signal: sig, At: time.Now()})
		os.Exit(stopsignal.ExitCode(<-sigs))
	}()
	env := &environment{
		stdin:            os.Stdin,
		stdout:           os.Stdout,
		stderr:           os.Stderr,
		getenv:           os.Getenv,
		stderrIsTerminal: term.IsTerminal(int(os.Stderr.Fd())) && os.Getenv("TERM") != "dumb",
		setMaxProcs:      runtime.GOMAXPROCS,
		setGCPercent:     debug.SetGCPercent,
	}
	os.Exit(run(ctx, env, os.Args[1:]))
}

// run dispatches to a subcommand and maps its error to an exit status, with
// the error printed as one line.
func run(ctx context.Context, env *environment, args []string) int {
	if len(args) == 0 {
		printUsage(env.stderr) // no command is a usage error, as with go and git
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		printUsage(env.stdout)
		return exitOK
	}
	name := args[0]
	switch name {
	case "help":
		name, args = args[1], []string{args[1], "--help"}
	case "--version", "-V", "-v": // as memtier's -v and --version
		name = "version"
	}
	cmd, ok := commands[name]
	if !ok {
		hint := ""
		if s := cmdline.DidYouMean("", strings.TrimLeft(name, "-"), commandNames()); s != "" {
			hint = ": " + s
		}
		fmt.Fprintf(env.stderr, "amrbench: unknown command %q%s (commands: %s)\n", name, hint, strings.Join(commandNames(), ", "))
		return exitUsage
	}
	err := cmd.run(ctx, env, args[1:])
	var early stoppedEarly
	if errors.As(err, &early) {
		if early.stop.Signal == syscall.SIGTERM {
			// Stopped before its planned end by what a drain or an
			// eviction sends: the segment is incomplete, whatever it
			// measured or judged.
			if early.err != nil {
				fmt.Fprintf(env.stderr, "amrbench %s: %v\n", name, units.OneLine(early.err))
			}
			return exitTerminated
		}
		err = early.err // Ctrl-C stops a run cleanly: its verdict decides
	}
	var exit exitError
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return exitOK
	case errors.Is(err, errAnswered):
		return exitFailed
	case errors.As(err, &exit):
		fmt.Fprintf(env.stderr, "amrbench %s: %v\n", name, units.OneLine(err))
		return exit.code
	case errors.As(err, new(usageError)), errors.Is(err, results.ErrCountOverflow): // a file no run wrote is bad input
		fmt.Fprintf(env.stderr, "amrbench %s: %v\n", name, units.OneLine(err))
		return exitUsage
	default:
		fmt.Fprintf(env.stderr, "amrbench %s: %v\n", name, units.OneLine(err))
		return exitFailed
	}
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "amrbench: a load and latency benchmark for Redis, built for Azure Managed Redis and Azure Cache for Redis.")
	fmt.Fprintln(w, "\nUsage:\n  amrbench <command> [flags]\n\nCommands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, strings.TrimPrefix(exitStatusHelp(), "\n")+"\n\nRun 'amrbench <command> --help' for a command's flags and examples.")
}

// quietLogger drops go-redis's internal log lines; amrbench reports what
// matters (failed connections, errors by class) itself.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// newFlagSet returns a GNU-style flag set whose usage begins with synopsis
// (the command line, a blank line, what the command does) and ends with
// examples (cmdline.NewFlagSet), shown to env.flagSets.
func newFlagSet(env *environment, name, synopsis, examples string) *pflag.FlagSet {
	fs := cmdline.NewFlagSet(env.stdout, "amrbench", name, synopsis, examples)
	if env.flagSets != nil {
		env.flagSets(name, fs)
	}
	return fs
}

// parseFlags parses args; for --help, pflag has printed the usage already.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	if err := cmdline.Parse(fs, args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}
