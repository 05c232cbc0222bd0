// Command maxrss runs a command and writes its peak resident memory (KiB)
// to a file: the import benchmark starts `etl run` through it.
//
//	maxrss -o rss.txt -- etl run job.yaml
//
// Why not getrusage of the child straight from the benchmark: Linux hands a
// process the high-water mark of the memory it was started from (Go starts
// children with the parent's memory shared until exec), so the benchmark's
// own peak would be the floor of every figure. Started from this small
// process, etl's figure is its own.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"

	"github.com/wawi-etl/etl/internal/procstat"
)

func main() {
	out := flag.String("o", "", "file to write the command's peak RSS in KiB to")
	flag.Parse()
	if flag.NArg() == 0 || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: maxrss -o FILE -- COMMAND [ARGS...]")
		os.Exit(2)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "maxrss:", err)
		os.Exit(2)
	}
	kb := int64(procstat.MaxRSSMB(cmd.ProcessState) * 1024)
	if werr := os.WriteFile(*out, []byte(strconv.FormatInt(kb, 10)+"\n"), 0o644); werr != nil {
		fmt.Fprintln(os.Stderr, "maxrss:", werr)
		os.Exit(2)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
