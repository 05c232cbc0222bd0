// Command sftpserve serves a folder over SFTP on 127.0.0.1 for the demo: a
// supplier's server. It generates a host key, writes the known_hosts line
// for it, prints the address as its first line and serves until stopped.
//
//	go run ./scripts/sftpserve -root DIR -user acme -known-hosts FILE
//
// The password comes from $SFTPSERVE_PASSWORD, never from the command line.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/wawi-etl/etl/internal/remote/remotetest"
)

func main() {
	root := flag.String("root", ".", "folder to serve; sftp://USER@ADDR/x.csv is ROOT/x.csv")
	user := flag.String("user", "acme", "login name")
	knownHosts := flag.String("known-hosts", "", "write the server's known_hosts line to this file")
	flag.Parse()
	password := os.Getenv("SFTPSERVE_PASSWORD")
	if password == "" {
		fmt.Fprintln(os.Stderr, "sftpserve: set SFTPSERVE_PASSWORD")
		os.Exit(2)
	}
	srv, err := remotetest.NewSFTP(*root, *user, password)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sftpserve:", err)
		os.Exit(1)
	}
	defer srv.Close()
	if *knownHosts != "" {
		if err := srv.WriteKnownHosts(*knownHosts); err != nil {
			fmt.Fprintln(os.Stderr, "sftpserve:", err)
			os.Exit(1)
		}
	}
	fmt.Println(srv.Addr)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
}
