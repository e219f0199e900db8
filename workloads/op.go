package workloads

// OpKind is the kind of command an operation sends.
type OpKind uint8

// The kinds of command a workload can send.
const (
	Get OpKind = iota
	Set
	// Arbitrary is one of the Spec's Commands: Op.Command says which, and
	// Op.Args holds its arguments.
	Arbitrary
)

// String returns the command name as Redis spells it in upper case, or
// "COMMAND" for an arbitrary command.
func (k OpKind) String() string {
	switch k {
	case Get:
		return "GET"
	case Set:
		return "SET"
	case Arbitrary:
		return "COMMAND"
	default:
		return "UNKNOWN"
	}
}

// Op is one operation, filled in place by Generator.Next. Key and the keys
// of Args are owned by the Op and rewritten by every call; Value and the
// constant arguments alias buffers shared by all generators of a Workload
// and must not be modified.
type Op struct {
	Kind OpKind
	// Stat is the index, in the Spec's StatNames, of the name the operation
	// is recorded under.
	Stat int
	// Command is the index of the operation's command in Spec.Commands
	// (Kind Arbitrary only).
	Command int
	// KeyIndex is the number the key was built from (Key is KeyPrefix followed
	// by KeyIndex in decimal). For an arbitrary command it is its first
	// key's, and Key its first key without the text around the placeholder.
	KeyIndex uint64
	Key      []byte
	// Value is the SET payload, or an arbitrary command's __data__; nil for
	// GET.
	Value []byte
	// TTL is the SET expiry in seconds; 0 means no expiry.
	TTL int64
	// Args are an arbitrary command's arguments with the placeholders
	// filled, its name first (Kind Arbitrary only).
	Args [][]byte
	// keyArgs hold the key arguments Args points at, one per __key__.
	keyArgs [][]byte
}
