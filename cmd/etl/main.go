// Command etl moves data in bulk between files and a JTL-Wawi.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

func main() {
	os.Exit(instrumented(func() int { return run(os.Args[1:], os.Stdout, os.Stderr) }))
}

// instrument is a profile of the binary that an environment variable asks
// for: the benchmarks run etl as a child process, and that is where the
// time they report goes.
type instrument struct {
	env   string
	start func(io.Writer) error // nil: written at the end only
	stop  func(io.Writer) error
}

var instruments = []instrument{
	{"ETL_CPUPROFILE", pprof.StartCPUProfile, func(io.Writer) error { pprof.StopCPUProfile(); return nil }},
	{"ETL_TRACE", trace.Start, func(io.Writer) error { trace.Stop(); return nil }},
	{"ETL_MEMPROFILE", nil, func(w io.Writer) error { return pprof.Lookup("allocs").WriteTo(w, 0) }},
}

// instrumented runs fn with the profiles the environment asks for, each
// written to the file its variable names.
func instrumented(fn func() int) int {
	var stops []func()
	for _, in := range instruments {
		path := os.Getenv(in.env)
		if path == "" {
			continue
		}
		f, err := os.Create(path)
		if err == nil && in.start != nil {
			if err = in.start(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "etl: %s: %v\n", in.env, err)
			continue
		}
		stops = append(stops, func() {
			err := in.stop(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "etl: %s: %v\n", in.env, err)
			}
		})
	}
	code := fn()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	return code
}
