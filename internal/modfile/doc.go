// Package modfile finds files that ship inside Go modules outside the build
// graph (the real tokenizer.json files that tests, benchmarks, `plan bench
// --vocab` and the tiny model use) in the Go module cache.
//
// Contract: it never runs a program and never downloads anything; it reads
// the environment the go command reads (GOMODCACHE, GOPATH, HOME) and looks
// for the file. A module that is not in the cache is an error saying how to
// fetch it: scripts/setup.sh (or `go mod download MODULE@VERSION`).
package modfile
