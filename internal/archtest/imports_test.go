package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/amrbench/amrbench"

// pkg is what go list says of one package.
type pkg struct {
	ImportPath string
	Name       string // the package clause's name: main for a command
	Dir        string
	Imports    []string // direct imports of its non-test files
	Deps       []string // every package it depends on, transitively
}

// listPackages runs go list over the whole module.
func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module+"/")] = p
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages: %v", len(pkgs), pkgs)
	}
	return pkgs
}

// own returns the module's packages among paths, relative to the module.
func own(paths []string) []string {
	var out []string
	for _, p := range paths {
		if rel, ok := strings.CutPrefix(p, module+"/"); ok {
			out = append(out, rel)
		} else if p == module {
			out = append(out, ".")
		}
	}
	return out
}

// under reports whether rel is dir or a package below it.
func under(rel, dir string) bool { return rel == dir || strings.HasPrefix(rel, dir+"/") }

// leaf reports whether rel is a leaf package for parsing and formatting
// units (sizes, rates, percentages): any package may use it, and it uses
// nothing of the project.
func leaf(rel string) bool { return rel == "internal/units" || rel == "units" }

// TestImportRules asserts who may import whom, on every package's
// dependencies (transitive, non-test files).
func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	rules := []struct {
		name string
		// applies selects the packages the rule is about.
		applies func(rel string) bool
		// allowed says which of the project's packages they may depend on.
		allowed func(dep string) bool
	}{
		{"bench/transport imports nothing of the project",
			func(r string) bool { return under(r, "bench/transport") },
			func(d string) bool { return under(d, "bench/transport") }},
		{"bench/openloop imports nothing of the project but a leaf",
			func(r string) bool { return under(r, "bench/openloop") },
			func(d string) bool { return under(d, "bench/openloop") || leaf(d) }},
		{"bench/cluster imports nothing of the project but a leaf",
			func(r string) bool { return under(r, "bench/cluster") },
			func(d string) bool { return under(d, "bench/cluster") || leaf(d) }},
		{"bench/clientload imports nothing of the project but results",
			func(r string) bool { return under(r, "bench/clientload") },
			func(d string) bool { return under(d, "bench/clientload") || under(d, "results") || leaf(d) }},
		{"bench/record imports nothing of bench but clientload, cluster and transport",
			func(r string) bool { return under(r, "bench/record") },
			func(d string) bool {
				return !under(d, "bench") || under(d, "bench/record") || under(d, "bench/clientload") ||
					under(d, "bench/cluster") || under(d, "bench/transport")
			}},
		{"bench/reauth imports nothing of bench but entra and record",
			func(r string) bool { return under(r, "bench/reauth") },
			func(d string) bool {
				return !under(d, "bench") || under(d, "bench/reauth") || under(d, "bench/entra") ||
					under(d, "bench/record") || under(d, "bench/clientload") || under(d, "bench/cluster") || under(d, "bench/transport")
			}},
		{"bench/entra imports nothing of bench",
			func(r string) bool { return under(r, "bench/entra") },
			func(d string) bool { return !under(d, "bench") || under(d, "bench/entra") }},
		{"bench/failure imports nothing of the project but results and a leaf",
			func(r string) bool { return under(r, "bench/failure") },
			func(d string) bool { return under(d, "bench/failure") || under(d, "results") || leaf(d) }},
		{"bench/pipeline imports nothing of bench but cluster and failure",
			func(r string) bool { return under(r, "bench/pipeline") },
			func(d string) bool {
				return !under(d, "bench") || under(d, "bench/pipeline") || under(d, "bench/cluster") || under(d, "bench/failure")
			}},
		{"bench imports only workloads, results, its own subpackages and a leaf",
			func(r string) bool { return under(r, "bench") },
			func(d string) bool {
				return under(d, "bench") || under(d, "workloads") || under(d, "results") || leaf(d)
			}},
		{"report imports only results, its own subpackages and a leaf",
			func(r string) bool { return under(r, "report") },
			func(d string) bool { return under(d, "report") || under(d, "results") || leaf(d) }},
		{"nothing of report but report/compare imports report/compare: a comparison is drawn with report's pieces, not the other way",
			func(r string) bool { return under(r, "report") && !under(r, "report/compare") },
			func(d string) bool { return !under(d, "report/compare") }},
		{"nothing of report but report/memtier imports report/memtier: memtier's layouts are drawn with report's pieces, not the other way",
			func(r string) bool { return under(r, "report") && !under(r, "report/memtier") },
			func(d string) bool { return !under(d, "report/memtier") }},
		{"report/catalog imports nothing of the project but a leaf",
			func(r string) bool { return under(r, "report/catalog") },
			func(d string) bool { return under(d, "report/catalog") || leaf(d) }},
		{"report/prices imports nothing of the project but the catalog and a leaf",
			func(r string) bool { return under(r, "report/prices") },
			func(d string) bool { return under(d, "report/prices") || under(d, "report/catalog") || leaf(d) }},
		{"results imports nothing of the project but a leaf",
			func(r string) bool { return under(r, "results") },
			func(d string) bool { return under(d, "results") || leaf(d) }},
		{"results/segment imports nothing of the project but a leaf",
			func(r string) bool { return under(r, "results/segment") },
			func(d string) bool { return under(d, "results/segment") || leaf(d) }},
		{"results/merge imports only results, results/segment and a leaf",
			func(r string) bool { return under(r, "results/merge") },
			func(d string) bool {
				return d == "results" || d == "results/segment" || under(d, "results/merge") || leaf(d)
			}},
		{"only the command line reaches storage: nothing but cmd (with internal/blobresults, and k8s-job's flags, which refuse a SAS URL) imports results/blobstore",
			func(r string) bool {
				return !under(r, "cmd") && !under(r, "results/blobstore") && !under(r, "internal/k8sjobflags") &&
					!under(r, "internal/blobresults")
			},
			func(d string) bool { return !under(d, "results/blobstore") }},
		{"internal/k8sjob imports nothing of the project",
			func(r string) bool { return under(r, "internal/k8sjob") },
			func(d string) bool { return under(d, "internal/k8sjob") }},
		{"internal/k8sjobflags imports only internal/k8sjob, internal/cmdline, bench, workloads, results and a leaf",
			func(r string) bool { return under(r, "internal/k8sjobflags") },
			func(d string) bool {
				return under(d, "internal/k8sjobflags") || under(d, "internal/k8sjob") || under(d, "internal/cmdline") ||
					under(d, "bench") || under(d, "workloads") || under(d, "results") || leaf(d)
			}},
		{"internal/live imports only bench, workloads, results, report and a leaf",
			func(r string) bool { return under(r, "internal/live") },
			func(d string) bool {
				return under(d, "internal/live") || under(d, "bench") || under(d, "workloads") ||
					under(d, "results") || under(d, "report") || leaf(d)
			}},
		{"internal/evidence imports only internal/live, bench, workloads, results, report and a leaf",
			func(r string) bool { return under(r, "internal/evidence") },
			func(d string) bool {
				return under(d, "internal/evidence") || under(d, "internal/live") || under(d, "bench") ||
					under(d, "workloads") || under(d, "results") || under(d, "report") || leaf(d)
			}},
		{"internal/memtierflags imports nothing of the project but workloads and a leaf",
			func(r string) bool { return under(r, "internal/memtierflags") },
			func(d string) bool { return under(d, "internal/memtierflags") || under(d, "workloads") || leaf(d) }},
		{"internal/blobresults imports only results (and its blobstore) and a leaf",
			func(r string) bool { return under(r, "internal/blobresults") },
			func(d string) bool { return under(d, "internal/blobresults") || under(d, "results") || leaf(d) }},
		{"internal/cmdline imports nothing of the project but a leaf",
			func(r string) bool { return under(r, "internal/cmdline") },
			func(d string) bool { return under(d, "internal/cmdline") || leaf(d) }},
		{"internal/preamble imports only bench, workloads, results and a leaf",
			func(r string) bool { return under(r, "internal/preamble") },
			func(d string) bool {
				return under(d, "internal/preamble") || under(d, "bench") || under(d, "workloads") || under(d, "results") || leaf(d)
			}},
		{"internal/priceflags imports only report, results and a leaf",
			func(r string) bool { return under(r, "internal/priceflags") },
			func(d string) bool {
				return under(d, "internal/priceflags") || under(d, "report") || under(d, "results") || leaf(d)
			}},
		{"internal/proclimits imports nothing of the project",
			func(r string) bool { return under(r, "internal/proclimits") },
			func(d string) bool { return under(d, "internal/proclimits") }},
		{"internal/rundir imports only results, report and a leaf",
			func(r string) bool { return under(r, "internal/rundir") },
			func(d string) bool {
				return under(d, "internal/rundir") || under(d, "results") || under(d, "report") || leaf(d)
			}},
		{"internal/settings imports nothing of the project",
			func(r string) bool { return under(r, "internal/settings") },
			func(d string) bool { return under(d, "internal/settings") }},
		{"internal/stopsignal imports nothing of the project but results",
			func(r string) bool { return under(r, "internal/stopsignal") },
			func(d string) bool { return under(d, "internal/stopsignal") || d == "results" || leaf(d) }},
		{"workloads imports nothing of the project but a leaf",
			func(r string) bool { return under(r, "workloads") },
			func(d string) bool { return under(d, "workloads") || leaf(d) }},
		{"a leaf imports nothing of the project",
			leaf,
			func(string) bool { return false }},
		{"nothing imports cmd",
			func(string) bool { return true },
			func(d string) bool { return !under(d, "cmd") }},
	}
	checked := map[string]int{}
	for rel, p := range pkgs {
		for _, r := range rules {
			if !r.applies(rel) {
				continue
			}
			checked[r.name]++
			for _, d := range own(p.Deps) {
				if d != rel && !r.allowed(d) {
					t.Errorf("%s depends on %s: %s", rel, d, r.name)
				}
			}
		}
	}
	// A rule that applies to no package checks nothing: the packages it
	// names must exist (but for the optional leaf and catalog).
	for _, r := range rules {
		if checked[r.name] == 0 && !strings.Contains(r.name, "leaf imports") && !strings.HasPrefix(r.name, "report/catalog") {
			t.Errorf("rule %q applies to no package", r.name)
		}
	}
}

// TestNoImportCycles walks the direct imports of every package: none may
// lead back to itself. (The compiler refuses a cycle in a build; this
// states the rule for the whole module at once.)
func TestNoImportCycles(t *testing.T) {
	pkgs := listPackages(t)
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(rel string)
	visit = func(rel string) {
		switch state[rel] {
		case visiting:
			i := slices.Index(path, rel)
			t.Errorf("import cycle: %s", strings.Join(append(path[i:], rel), " → "))
			return
		case done:
			return
		}
		state[rel] = visiting
		path = append(path, rel)
		for _, d := range own(pkgs[rel].Imports) {
			if _, ok := pkgs[d]; ok {
				visit(d)
			}
		}
		path = path[:len(path)-1]
		state[rel] = done
	}
	for rel := range pkgs {
		visit(rel)
	}
	if len(state) != len(pkgs) {
		t.Fatalf("visited %d of %d packages", len(state), len(pkgs))
	}
}

// TestNoKubernetesInTheBinary asserts that the command's non-test files
// depend on no Kubernetes module: k8s-job writes its manifest from a
// template (internal/k8sjob), and k8s.io/api only checks it in tests.
func TestNoKubernetesInTheBinary(t *testing.T) {
	p, ok := listPackages(t)["cmd/amrbench"]
	if !ok {
		t.Fatal("go list did not find cmd/amrbench")
	}
	for _, d := range p.Deps {
		if strings.HasPrefix(d, "k8s.io/") || strings.HasPrefix(d, "sigs.k8s.io/") {
			t.Errorf("cmd/amrbench depends on %s", d)
		}
	}
}
