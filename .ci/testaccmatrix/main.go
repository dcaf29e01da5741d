// Command testaccmatrix runs the acceptance tests once per Terraform or
// OpenTofu CLI and prints a table of each CLI's version with its counts of
// passed, failed and skipped tests (`make testacc-matrix`).
//
//	go run ./.ci/testaccmatrix [-run REGEXP] [-timeout 20m] /path/to/terraform /path/to/tofu ...
//
// Which CLI a binary is comes from its `version` output. For OpenTofu
// TF_ACC_PROVIDER_HOST is set to registry.opentofu.org, as the testing
// framework needs. Counts are of top-level tests, from `go test -json`.
// When GITHUB_STEP_SUMMARY is set, the table is also appended there.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

type cli struct {
	path    string
	kind    string // Terraform or OpenTofu
	version string // as the CLI reports it, e.g. 1.8.5-dev
}

type result struct {
	cli
	pass, fail, skip []string
	skipWhy          map[string]string
	failOut          map[string]string
	took             time.Duration
	err              error // go test could not run, or a package failed outside any test
}

// event is one line of `go test -json`.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

func main() {
	run := flag.String("run", "", "only tests matching this regexp (go test -run)")
	timeout := flag.String("timeout", "20m", "go test -timeout, per CLI")
	pkgs := flag.String("pkg", "./internal/provider/...", "packages to test")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: testaccmatrix [flags] CLI...   (each CLI a Terraform or OpenTofu binary)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	var results []result
	for _, p := range flag.Args() {
		c, err := identify(p)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testaccmatrix: %v\n", err)
			results = append(results, result{cli: cli{path: p, kind: "?", version: "?"}, err: err})
			continue
		}
		fmt.Printf("==> %s %s (%s): acceptance tests\n", c.kind, c.version, c.path)
		r := test(c, *run, *timeout, *pkgs)
		fmt.Printf("==> %s %s: %d passed, %d failed, %d skipped in %s\n", c.kind, c.version, len(r.pass), len(r.fail), len(r.skip), r.took.Round(time.Second))
		results = append(results, r)
	}
	table := render(results, false)
	fmt.Println()
	fmt.Print(table)
	if f := os.Getenv("GITHUB_STEP_SUMMARY"); f != "" {
		if err := appendFile(f, render(results, true)); err != nil {
			fmt.Fprintf(os.Stderr, "testaccmatrix: step summary: %v\n", err)
		}
	}
	for _, r := range results {
		if r.err != nil || len(r.fail) > 0 {
			os.Exit(1)
		}
	}
}

var versionLine = regexp.MustCompile(`^(Terraform|OpenTofu) v(\S+)`)

// identify runs `CLI version` and tells Terraform from OpenTofu.
func identify(path string) (cli, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return cli{}, err
	}
	if lp, err := exec.LookPath(abs); err != nil {
		return cli{}, fmt.Errorf("%s: not an executable: %v", path, err)
	} else {
		abs = lp
	}
	cmd := exec.Command(abs, "version")
	cmd.Env = append(cliEnv(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return cli{}, fmt.Errorf("%s version: %v", path, err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	m := versionLine.FindStringSubmatch(strings.TrimSpace(first))
	if m == nil {
		return cli{}, fmt.Errorf("%s version printed %q: neither Terraform nor OpenTofu", path, first)
	}
	return cli{path: abs, kind: m[1], version: m[2]}, nil
}

// cliEnv is this process's environment without a TF_CLI_CONFIG_FILE that
// points at a missing file (OpenTofu refuses one) and without the
// variables that testaccmatrix sets itself.
func cliEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, val, _ := strings.Cut(kv, "=")
		switch name {
		case "TF_ACC", "TF_ACC_TERRAFORM_PATH", "TF_ACC_PROVIDER_HOST", "TF_ACC_PROVIDER_NAMESPACE":
			continue
		case "TF_CLI_CONFIG_FILE":
			if _, err := os.Stat(val); err != nil {
				continue
			}
		}
		env = append(env, kv)
	}
	return env
}

func test(c cli, run, timeout, pkgs string) result {
	r := result{cli: c, skipWhy: map[string]string{}, failOut: map[string]string{}}
	args := []string{"test", "-json", "-count=1", "-timeout=" + timeout}
	if run != "" {
		args = append(args, "-run="+run)
	}
	args = append(args, strings.Fields(pkgs)...)
	cmd := exec.Command("go", args...)
	cmd.Env = append(cliEnv(), "TF_ACC=1", "TF_ACC_TERRAFORM_PATH="+c.path)
	if c.kind == "OpenTofu" {
		cmd.Env = append(cmd.Env, "TF_ACC_PROVIDER_HOST=registry.opentofu.org")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		r.err = err
		return r
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		r.err = err
		return r
	}
	output := map[string]*strings.Builder{} // by package/test
	var pkgFail []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			fmt.Println(sc.Text()) // not JSON: a build error
			continue
		}
		top, _, _ := strings.Cut(e.Test, "/")
		key := e.Package + " " + top
		switch e.Action {
		case "output":
			b := output[key]
			if b == nil {
				b = &strings.Builder{}
				output[key] = b
			}
			b.WriteString(e.Output)
			if e.Test == "" && strings.HasPrefix(e.Output, "FAIL") || strings.Contains(e.Output, "[build failed]") {
				fmt.Print(e.Output)
			}
		case "pass", "fail", "skip":
			if e.Test == "" {
				if e.Action == "fail" {
					pkgFail = append(pkgFail, e.Package)
				}
				continue
			}
			if strings.Contains(e.Test, "/") {
				continue
			}
			switch e.Action {
			case "pass":
				r.pass = append(r.pass, e.Test)
			case "fail":
				r.fail = append(r.fail, e.Test)
				if b := output[key]; b != nil {
					r.failOut[e.Test] = b.String()
				}
				fmt.Printf("    FAIL %s\n", e.Test)
			case "skip":
				r.skip = append(r.skip, e.Test)
				if b := output[key]; b != nil {
					r.skipWhy[e.Test] = skipReason(b.String())
				}
			}
		}
	}
	waitErr := cmd.Wait()
	r.took = time.Since(start)
	if stderr.Len() > 0 {
		_, _ = io.Copy(os.Stderr, &stderr)
	}
	if waitErr != nil && len(r.fail) == 0 {
		if len(pkgFail) > 0 {
			r.err = fmt.Errorf("package %s failed outside any test (see above)", strings.Join(pkgFail, ", "))
		} else {
			r.err = fmt.Errorf("go test: %v", waitErr)
		}
	}
	for _, name := range r.fail {
		fmt.Printf("\n--- %s with %s %s:\n%s", name, c.kind, c.version, tail(r.failOut[name], 60))
	}
	return r
}

// skipReason is the last line a skipped test logged before "--- SKIP",
// without its file:line prefix.
func skipReason(out string) string {
	var last string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "=== ") {
			continue
		}
		last = l
	}
	return fileLine.ReplaceAllString(last, "")
}

var fileLine = regexp.MustCompile(`^\S+\.go:\d+: `)

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n") + "\n"
}

func render(results []result, markdown bool) string {
	var b strings.Builder
	rows := [][]string{{"CLI", "version", "pass", "fail", "skip", "time", "path"}}
	for _, r := range results {
		row := []string{r.kind, r.version, fmt.Sprint(len(r.pass)), fmt.Sprint(len(r.fail)), fmt.Sprint(len(r.skip)), r.took.Round(time.Second).String(), r.path}
		if r.err != nil {
			row[3] = "error"
		}
		rows = append(rows, row)
	}
	if markdown {
		b.WriteString("### Acceptance tests per CLI\n\n")
		for i, row := range rows {
			b.WriteString("| " + strings.Join(row, " | ") + " |\n")
			if i == 0 {
				b.WriteString(strings.Repeat("| --- ", len(row)) + "|\n")
			}
		}
	} else {
		width := make([]int, len(rows[0]))
		for _, row := range rows {
			for i, cell := range row {
				width[i] = max(width[i], len(cell))
			}
		}
		for _, row := range rows {
			for i, cell := range row {
				if i == len(row)-1 {
					b.WriteString(cell)
				} else if i >= 2 && i <= 5 {
					fmt.Fprintf(&b, "%*s  ", width[i], cell)
				} else {
					fmt.Fprintf(&b, "%-*s  ", width[i], cell)
				}
			}
			b.WriteString("\n")
		}
	}
	for _, r := range results {
		if r.err != nil {
			fmt.Fprintf(&b, "\n%s %s: %v\n", r.kind, r.version, r.err)
		}
		if len(r.fail) > 0 {
			fmt.Fprintf(&b, "\n%s %s failed: %s\n", r.kind, r.version, strings.Join(r.fail, ", "))
		}
		if len(r.skip) > 0 {
			sort.Strings(r.skip)
			fmt.Fprintf(&b, "\n%s %s skipped:\n", r.kind, r.version)
			for _, name := range r.skip {
				fmt.Fprintf(&b, "  %s: %s\n", name, r.skipWhy[name])
			}
		}
	}
	return b.String()
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(s + "\n")
	return errors.Join(werr, f.Close())
}
