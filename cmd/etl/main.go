// Command etl moves data in bulk between files and a JTL-Wawi.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

func main() {
	os.Exit(profiled(func() int {
		return traced(func() int {
			return allocProfiled(func() int { return run(os.Args[1:], os.Stdout, os.Stderr) })
		})
	}))
}

// profiled writes a CPU profile of fn to $ETL_CPUPROFILE when it is set: the
// benchmarks run the binary as a child process, and that is where the time
// they report goes.
func profiled(fn func() int) int {
	path := os.Getenv("ETL_CPUPROFILE")
	if path == "" {
		return fn()
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "etl: ETL_CPUPROFILE:", err)
		return fn()
	}
	defer f.Close()
	defer pprof.StopCPUProfile()
	return fn()
}

// traced writes an execution trace of fn to $ETL_TRACE (go tool trace).
func traced(fn func() int) int {
	path := os.Getenv("ETL_TRACE")
	if path == "" {
		return fn()
	}
	f, err := os.Create(path)
	if err == nil {
		err = trace.Start(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "etl: ETL_TRACE:", err)
		return fn()
	}
	defer f.Close()
	defer trace.Stop()
	return fn()
}

// allocProfiled writes the allocation profile of fn to $ETL_MEMPROFILE.
func allocProfiled(fn func() int) int {
	path := os.Getenv("ETL_MEMPROFILE")
	if path == "" {
		return fn()
	}
	code := fn()
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "etl: ETL_MEMPROFILE:", err)
	}
	return code
}
