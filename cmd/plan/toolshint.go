package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// manyUndeclared is how many "not declared" names, without a did-you-mean,
// make one hint instead of one error each.
const manyUndeclared = 3

// toolsHint turns the wall of "not declared" errors a spec gets when its
// tool catalog was not given (no --tools, no `tools from`) into one error
// with the hint: it names the catalog next to the spec that declares them
// (SPEC.tools.json, tools.json or SPEC.json in its directory), or, with
// manyUndeclared names or more, says how to declare them. A misspelling
// (an error with a did-you-mean) stays an error of its own. Anything else
// is returned as it is.
func toolsHint(specName string, err error, opts specplan.Options) error {
	var list ltl.ErrorList
	if !errors.As(err, &list) || opts.Catalog != nil {
		return err
	}
	var names []string
	seen := map[string]bool{}
	var first *ltl.Error
	uses := 0
	for _, e := range list {
		name, ok := undeclaredName(e, specName)
		if !ok {
			continue
		}
		uses++
		if first == nil {
			first = e
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	if first == nil {
		return err
	}
	catalog, declares := nearbyCatalog(specName, seen, opts)
	if catalog == "" && len(names) < manyUndeclared {
		return err
	}
	msg := fmt.Sprintf("%d names the rules use (%d uses) are not declared steps or tools: %s", len(names), uses, strings.Join(quoteAll(names, 8), ", "))
	if len(names) == 1 {
		msg = fmt.Sprintf("%q is not a declared step or tool (%d uses)", names[0], uses)
	}
	if catalog != "" {
		msg += fmt.Sprintf("; %s next to the spec declares %s: pass --tools %s, or add `tools from %q` to the spec", catalog, strings.Join(quoteAll(declares, 8), ", "), catalog, filepath.Base(catalog))
	} else {
		msg += "; declare them with `steps` and `tools` lines, or pass the tool catalog that declares them with --tools FILE.json"
	}
	out := ltl.ErrorList{}
	for _, e := range list {
		if _, ok := undeclaredName(e, specName); !ok {
			out = append(out, e)
		} else if e == first {
			out = append(out, &ltl.Error{Pos: e.Pos, Code: ltl.ErrUndeclared, Msg: msg})
		}
	}
	return out
}

// undeclaredName is the name of a "not declared" error in the spec without
// a did-you-mean (a misspelling is worth its own error).
func undeclaredName(e *ltl.Error, specName string) (string, bool) {
	if e.Code != ltl.ErrUndeclared || e.Pos.Filename != specName || strings.Contains(e.Msg, "did you mean") {
		return "", false
	}
	q, err := strconv.QuotedPrefix(e.Msg)
	if err != nil {
		return "", false
	}
	name, err := strconv.Unquote(q)
	return name, err == nil
}

// nearbyCatalog finds a catalog in the spec's directory that declares some
// of names, and the names it declares.
func nearbyCatalog(specName string, names map[string]bool, opts specplan.Options) (string, []string) {
	if specName == stdinName {
		return "", nil
	}
	dir, base := filepath.Dir(specName), strings.TrimSuffix(filepath.Base(specName), ".ltl")
	for _, c := range []string{base + ".tools.json", "tools.json", base + ".json"} {
		path := filepath.Join(dir, c)
		if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		cat, err := specplan.LoadCatalog(path, opts)
		if err != nil {
			continue
		}
		var declares []string
		for _, t := range cat {
			if names[t.Name] {
				declares = append(declares, t.Name)
			}
		}
		if len(declares) > 0 {
			return path, declares
		}
	}
	return "", nil
}

func quoteAll(xs []string, n int) []string {
	var out []string
	for i, x := range xs {
		if i == n {
			return append(out, fmt.Sprintf("… (%d more)", len(xs)-n))
		}
		out = append(out, strconv.Quote(x))
	}
	return out
}
