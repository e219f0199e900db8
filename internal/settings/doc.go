// Package settings writes a configuration as the lines people read in
// --show-config: "name = value" for every setting, named by its JSON field
// names (so by what the result file's header calls it), leaving out what
// the JSON encoding leaves out (secrets, empty optional settings), and each
// value with a String method written by it (durations, ratios, ranges).
package settings
