package workloads

// OpKind is the command an operation sends.
type OpKind uint8

// The commands a workload can send. NumOpKinds is the number of kinds, for
// arrays indexed by OpKind.
const (
	Get OpKind = iota
	Set
	NumOpKinds
)

// String returns the command name as Redis spells it in upper case.
func (k OpKind) String() string {
	switch k {
	case Get:
		return "GET"
	case Set:
		return "SET"
	default:
		return "UNKNOWN"
	}
}

// Op is one operation, filled in place by Generator.Next. Key is owned by the
// Op and rewritten by every call; Value aliases a buffer shared by all
// generators of a Workload and must not be modified.
type Op struct {
	Kind OpKind
	// KeyIndex is the number the key was built from (Key is KeyPrefix followed
	// by KeyIndex in decimal).
	KeyIndex uint64
	Key      []byte
	// Value is the SET payload; nil for GET.
	Value []byte
	// TTL is the SET expiry in seconds; 0 means no expiry.
	TTL int64
}
