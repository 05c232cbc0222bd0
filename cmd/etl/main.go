// Command etl moves data in bulk between files and a JTL-Wawi.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
