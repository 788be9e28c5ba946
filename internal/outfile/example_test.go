package outfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/specplan/specplan/internal/outfile"
)

// Create, write, Commit: the target appears whole or not at all.
func ExampleCreate() {
	dir, _ := os.MkdirTemp("", "outfile-example-")
	defer os.RemoveAll(dir)
	f, err := outfile.Create(filepath.Join(dir, "spec.dot"), outfile.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Fprintln(f, "digraph dfa {}")
	if err := f.Commit(); err != nil {
		fmt.Println(err)
		return
	}
	data, _ := os.ReadFile(filepath.Join(dir, "spec.dot"))
	fmt.Print(string(data))

	link := filepath.Join(dir, "link.dot")
	os.Symlink(filepath.Join(dir, "spec.dot"), link)
	_, err = outfile.Create(link, outfile.Options{})
	fmt.Println(err != nil)
	// Output:
	// digraph dfa {}
	// true
}

// Fprintf escapes its text arguments, so a file name cannot forge a line.
func ExampleFprintf() {
	outfile.Fprintf(os.Stdout, "ok    %s\n", "evil\x1b]0;PWNED\x07\nok    fake.jsonl")
	// Output:
	// ok    evil\x1b]0;PWNED\x07\nok    fake.jsonl
}
