package workloads

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSplitCommandLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		line    string
		want    []string
		wantErr string
	}{
		{line: "HSET __key__ f __data__", want: []string{"HSET", "__key__", "f", "__data__"}},
		{line: "  set\t__key__   5  ", want: []string{"set", "__key__", "5"}},
		{line: `set __key__ "two words"`, want: []string{"set", "__key__", "two words"}},
		{line: `set __key__ "a\x41\n\"b"`, want: []string{"set", "__key__", "aA\n\"b"}},
		{line: `set __key__ 'it\'s'`, want: []string{"set", "__key__", "it's"}},
		{line: `set __key__ ""`, want: []string{"set", "__key__", ""}},
		{line: "", want: nil},
		{line: `set "open`, wantErr: "unterminated quotes"},
		{line: `set 'open`, wantErr: "unterminated quotes"},
		{line: `set "a"b`, wantErr: "closing quote"},
	} {
		got, err := splitCommandLine(tt.line)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want one saying %q", tt.line, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %q, %v; want %q", tt.line, got, err, tt.want)
		}
	}
}

func TestNewCommand(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		line, name, wantErr string
	}{
		{line: "hset __key__ f __data__", name: "HSET"},
		{line: "GET user:__key__:name", name: "GET"},
		{line: "PING", name: "PING"},
		{line: "set __key__ x__data__", wantErr: "__data__ must be a whole argument"},
		{line: "__key__ get", wantErr: "first word must be the command's name"},
		{line: "   ", wantErr: "no command"},
		{line: `"" __key__`, wantErr: "first word must be the command's name"},
		{line: `set "a`, wantErr: "unterminated"},
	} {
		c, err := NewCommand(tt.line)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want one saying %q", tt.line, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.Name() != tt.name || c.Ratio != 1 || c.KeyPattern != Uniform {
			t.Errorf("%q: got %+v (name %q), %v; want name %q, ratio 1, pattern R", tt.line, c, c.Name(), err, tt.name)
		}
	}
}

func commandSpec(cmds ...Command) Spec {
	s := DefaultSpec()
	s.Commands = cmds
	s.KeyMinimum, s.KeyMaximum = 1, 100
	s.DataSize = 7
	return s
}

func TestCommandsAreSentByRatioWithTheirOwnKeys(t *testing.T) {
	t.Parallel()
	s := commandSpec(
		Command{Line: "HSET user:__key__:h f __data__", Ratio: 2, KeyPattern: Sequential},
		Command{Line: "hget __key__ f", Ratio: 1, KeyPattern: Uniform},
		Command{Line: "HSET __key__ g __data__", Ratio: 1, KeyPattern: Uniform},
	)
	w := mustWorkload(t, s, 1)
	if names := w.StatNames(); !slices.Equal(names, []string{"HSET", "HGET"}) {
		t.Fatalf("stat names %q, want HSET once and HGET", names)
	}
	g := w.Generator(0, 1)
	var op Op
	counts := map[string]int{}
	var seqKeys []string
	for range 4 * 250 {
		g.Next(&op)
		if op.Kind != Arbitrary {
			t.Fatalf("kind %v, want Arbitrary", op.Kind)
		}
		line := s.Commands[op.Command].Line
		counts[line]++
		if got, want := w.StatNames()[op.Stat], s.Commands[op.Command].Name(); got != want {
			t.Fatalf("%q recorded as %s", line, got)
		}
		switch op.Command {
		case 0:
			seqKeys = append(seqKeys, string(op.Args[1]))
			if string(op.Args[0]) != "HSET" || string(op.Args[2]) != "f" || string(op.Args[3]) != "xxxxxxx" {
				t.Fatalf("args %q", op.Args)
			}
			if string(op.Args[1]) != "user:"+string(op.Key)+":h" {
				t.Fatalf("key argument %q, key %q", op.Args[1], op.Key)
			}
		case 1:
			if len(op.Args) != 3 || op.Value != nil || !strings.HasPrefix(string(op.Args[1]), "key:") {
				t.Fatalf("args %q, value %q", op.Args, op.Value)
			}
		}
	}
	if counts[s.Commands[0].Line] != 500 || counts[s.Commands[1].Line] != 250 || counts[s.Commands[2].Line] != 250 {
		t.Fatalf("counts %v, want 500, 250 and 250", counts)
	}
	// The S pattern walks the key range in order, for its command alone.
	for i, k := range seqKeys[:150] {
		if want := "user:key:" + strconv.Itoa(1+i%100) + ":h"; k != want {
			t.Fatalf("sequential key %d is %q, want %q", i, k, want)
		}
	}
}

func TestEveryKeyPlaceholderDrawsItsOwnKey(t *testing.T) {
	t.Parallel()
	s := commandSpec(Command{Line: "MSET __key__ __data__ __key__ __data__", Ratio: 1, KeyPattern: Sequential})
	g := mustWorkload(t, s, 1).Generator(0, 1)
	var op Op
	g.Next(&op)
	if string(op.Args[1]) != "key:1" || string(op.Args[3]) != "key:2" || string(op.Key) != "key:1" || op.KeyIndex != 1 {
		t.Fatalf("args %q, key %q (%d)", op.Args, op.Key, op.KeyIndex)
	}
}

func TestCommandGeneratorDoesNotAllocate(t *testing.T) {
	s := commandSpec(
		Command{Line: "HSET __key__ f __data__", Ratio: 3, KeyPattern: Zipf},
		Command{Line: "HGET pre:__key__:post f", Ratio: 1, KeyPattern: Gaussian},
	)
	g := mustWorkload(t, s, 1).Generator(0, 1)
	var op Op
	for range 100 {
		g.Next(&op) // grow the buffers to the longest key
	}
	if n := testing.AllocsPerRun(1000, func() { g.Next(&op) }); n != 0 {
		t.Fatalf("Next allocates %v times per operation", n)
	}
}

func TestValidateCommands(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		cmds    []Command
		wantErr string
	}{
		{"all ratios zero", []Command{{Line: "GET __key__", Ratio: 0, KeyPattern: Uniform}}, "every command has ratio 0"},
		{"negative ratio", []Command{{Line: "GET __key__", Ratio: -1, KeyPattern: Uniform}, {Line: "SET __key__ 1", Ratio: 1, KeyPattern: Uniform}}, "--command-ratio -1"},
		{"P for some", []Command{{Line: "GET __key__", Ratio: 1, KeyPattern: Parallel}, {Line: "SET __key__ 1", Ratio: 1, KeyPattern: Uniform}}, "give it to every --command"},
		{"unknown pattern", []Command{{Line: "GET __key__", Ratio: 1, KeyPattern: "Q"}}, `--command-key-pattern "Q"`},
		{"bad line", []Command{{Line: "GET x__data__", Ratio: 1, KeyPattern: Uniform}}, `--command "GET x__data__": __data__ must be a whole argument`},
	} {
		s := commandSpec(tt.cmds...)
		err := s.Validate(1)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.wantErr)
		}
	}
	ok := commandSpec(Command{Line: "GET __key__", Ratio: 0, KeyPattern: Parallel}, Command{Line: "SET __key__ 1", Ratio: 1, KeyPattern: Parallel})
	if err := ok.Validate(4); err != nil {
		t.Fatalf("a valid spec: %v", err)
	}
	if used := ok.UsedStats(); !slices.Equal(used, []int{1}) {
		t.Fatalf("used stats %v, want only SET's (GET has ratio 0)", used)
	}
}

func TestDescribeCommands(t *testing.T) {
	t.Parallel()
	s := commandSpec(Command{Line: "HSET __key__ f __data__", Ratio: 2, KeyPattern: Zipf})
	got := s.Describe()
	want := `commands "HSET __key__ f __data__" ×2 zipf 1, keys key:1..key:100, values 7 B, seed 0`
	if got != want {
		t.Fatalf("Describe:\n got %s\nwant %s", got, want)
	}
}
