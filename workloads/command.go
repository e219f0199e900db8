package workloads

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The placeholders of an arbitrary command, as memtier_benchmark spells them.
const (
	// KeyPlaceholder is replaced by a key drawn from the command's key
	// pattern. It may stand inside a longer argument ("user:__key__:name"):
	// the text around it is kept.
	KeyPlaceholder = "__key__"
	// DataPlaceholder is replaced by a value of the workload's sizes. It must
	// be a whole argument.
	DataPlaceholder = "__data__"
)

// maxCommandRatio bounds --command-ratio: a command sent a million times in
// a row before the next is already no mix at all.
const maxCommandRatio = 1_000_000

// Command is one of memtier_benchmark's arbitrary commands (--command): a
// command line whose placeholders are filled for every operation, sent
// Ratio times in a row before the next command of the workload. Each
// __key__ of the line draws its own key, by KeyPattern, from the workload's
// key range and prefix; __data__ is a value of the workload's sizes.
type Command struct {
	Line       string     `json:"line"`
	Ratio      int        `json:"ratio"`
	KeyPattern KeyPattern `json:"key_pattern"`
}

// NewCommand parses line as memtier does (words separated by blanks;
// "double quotes" with \n, \r, \t, \xHH escapes and 'single quotes' group
// words) and returns it with memtier's defaults: ratio 1, pattern R. Its
// errors say what is wrong with the line, without naming it.
func NewCommand(line string) (Command, error) {
	if _, err := compileCommand(line); err != nil {
		return Command{}, err
	}
	return Command{Line: line, Ratio: 1, KeyPattern: Uniform}, nil
}

// Name is what the command's operations are recorded under: its first word
// in upper case, as memtier aggregates them. Two commands with the same
// first word ("HSET k f1 __data__" and "hset k f2 __data__") are recorded
// together.
func (c Command) Name() string {
	args, err := splitCommandLine(c.Line)
	if err != nil || len(args) == 0 {
		return ""
	}
	return strings.ToUpper(args[0])
}

// argKind is what one argument of a command becomes per operation.
type argKind uint8

const (
	argConstant argKind = iota
	argKey
	argData
)

// commandArg is one argument of a compiled command: a constant, a key with
// the text around its placeholder, or the value.
type commandArg struct {
	kind argKind
	// text is the constant, or the text before a key's placeholder; suffix
	// the text after it.
	text, suffix []byte
}

// compiledCommand is a Command ready for generators: its arguments, the
// key chooser each of its keys draws from is the generator's.
type compiledCommand struct {
	args []commandArg
	// keys is the number of key arguments.
	keys int
	// stat is the index of the command's name in Workload.StatNames.
	stat int
}

// compileCommand splits line and classifies its arguments.
func compileCommand(line string) (compiledCommand, error) {
	words, err := splitCommandLine(line)
	if err != nil {
		return compiledCommand{}, err
	}
	if len(words) == 0 {
		return compiledCommand{}, errors.New("no command")
	}
	var c compiledCommand
	for i, w := range words {
		a := commandArg{kind: argConstant, text: []byte(w)}
		switch {
		case strings.Contains(w, KeyPlaceholder):
			before, after, _ := strings.Cut(w, KeyPlaceholder)
			a = commandArg{kind: argKey, text: []byte(before), suffix: []byte(after)}
			c.keys++
		case strings.Contains(w, DataPlaceholder):
			if w != DataPlaceholder {
				return compiledCommand{}, fmt.Errorf("%s must be a whole argument, not part of %q", DataPlaceholder, w)
			}
			a.kind = argData
		}
		if i == 0 && (a.kind != argConstant || strings.TrimSpace(w) == "") {
			return compiledCommand{}, errors.New("the first word must be the command's name, not a placeholder or blank")
		}
		c.args = append(c.args, a)
	}
	return c, nil
}

// splitCommandLine splits a command line into its words the way memtier
// (and redis-cli) do: blanks separate words; "double quotes" take \n, \r,
// \t, \b, \a, \xHH and \<any> escapes; 'single quotes' take \' only; a
// closing quote must end its word.
func splitCommandLine(line string) ([]string, error) {
	var words []string
	p := 0
	for {
		for p < len(line) && isBlank(line[p]) {
			p++
		}
		if p == len(line) {
			return words, nil
		}
		var w strings.Builder
		inDouble, inSingle := false, false
		for done := false; !done; {
			if p == len(line) {
				if inDouble || inSingle {
					return nil, errors.New("unterminated quotes")
				}
				break
			}
			c := line[p]
			switch {
			case inDouble:
				switch {
				case c == '\\' && p+3 < len(line) && line[p+1] == 'x' && isHex(line[p+2]) && isHex(line[p+3]):
					w.WriteByte(hexValue(line[p+2])<<4 | hexValue(line[p+3]))
					p += 3
				case c == '\\' && p+1 < len(line):
					p++
					w.WriteByte(unescape(line[p]))
				case c == '"':
					if err := endsWord(line, p); err != nil {
						return nil, err
					}
					done = true
				default:
					w.WriteByte(c)
				}
			case inSingle:
				switch {
				case c == '\\' && p+1 < len(line) && line[p+1] == '\'':
					p++
					w.WriteByte('\'')
				case c == '\'':
					if err := endsWord(line, p); err != nil {
						return nil, err
					}
					done = true
				default:
					w.WriteByte(c)
				}
			case isBlank(c):
				done = true
			case c == '"':
				inDouble = true
			case c == '\'':
				inSingle = true
			default:
				w.WriteByte(c)
			}
			p++
		}
		words = append(words, w.String())
		if p >= len(line) {
			return words, nil
		}
	}
}

// endsWord checks that the closing quote at line[p] ends its word.
func endsWord(line string, p int) error {
	if p+1 < len(line) && !isBlank(line[p+1]) {
		return errors.New("a closing quote must be followed by a blank")
	}
	return nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexValue(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}

// validateCommands checks the arbitrary commands of a spec: each parses,
// ratios are zero or more with one above zero, patterns are known, and the P
// pattern is given to every command or none (as memtier requires: a
// connection's slice of the keys is walked by all of them).
func (s *Spec) validateCommands() []error {
	var errs []error
	total, parallel := 0, 0
	for _, c := range s.Commands {
		if _, err := compileCommand(c.Line); err != nil {
			errs = append(errs, fmt.Errorf("--command %q: %w", c.Line, err))
			continue
		}
		if c.Ratio < 0 || c.Ratio > maxCommandRatio {
			errs = append(errs, fmt.Errorf("--command-ratio %d of %q: from 0 to %d", c.Ratio, c.Line, maxCommandRatio))
		}
		total += c.Ratio
		if !c.KeyPattern.valid() {
			errs = append(errs, fmt.Errorf("--command-key-pattern %q of %q: use R, S, G, Z or P", string(c.KeyPattern), c.Line))
		}
		if c.KeyPattern == Parallel {
			parallel++
		}
	}
	if total == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("--command-ratio: every command has ratio 0; at least one must be sent"))
	}
	if parallel > 0 && parallel < len(s.Commands) {
		errs = append(errs, errors.New("--command-key-pattern P gives each connection its own keys: give it to every --command or to none"))
	}
	return errs
}

// StatNames returns the names operations are recorded under, indexed by
// Op.Stat: GET and SET for the SET/GET mix, or the first word of each
// arbitrary command in upper case, once per name, in the order given.
func (s *Spec) StatNames() []string {
	if len(s.Commands) == 0 {
		return []string{Get.String(), Set.String()}
	}
	var names []string
	for _, c := range s.Commands {
		if n := c.Name(); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// UsedStats returns the indexes into StatNames that the workload sends at
// all: a side of the mix or a command with ratio 0 sends nothing.
func (s *Spec) UsedStats() []int {
	names := s.StatNames()
	var used []int
	if len(s.Commands) == 0 {
		if s.Ratio.Sets > 0 {
			used = append(used, int(Set))
		}
		if s.Ratio.Gets > 0 {
			used = append(used, int(Get))
		}
		return used
	}
	for i, n := range names {
		for _, c := range s.Commands {
			if c.Ratio > 0 && c.Name() == n {
				used = append(used, i)
				break
			}
		}
	}
	return used
}

// describeCommands says what the arbitrary commands are, for Describe.
func (s *Spec) describeCommands() string {
	parts := make([]string, len(s.Commands))
	for i, c := range s.Commands {
		parts[i] = fmt.Sprintf("%q ×%d %s", c.Line, c.Ratio, c.KeyPattern.describe(s))
	}
	return "commands " + strings.Join(parts, ", ")
}
