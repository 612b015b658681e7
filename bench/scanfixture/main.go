// Command scanfixture builds the root bench/scan.sh measures: stale socket
// files plus live listeners of each kind, served from this one process until
// it is interrupted.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"sockscope/sample"
)

func main() {
	root := flag.String("root", "", "directory to fill (created; must not exist)")
	stale := flag.Int("stale", 10000, "stale socket files")
	grpcN := flag.Int("grpc", 20, "gRPC servers (the bundled sample)")
	httpN := flag.Int("http1", 10, "HTTP/1.1 servers")
	otherN := flag.Int("other", 10, "servers that echo bytes back")
	silentN := flag.Int("silent", 10, "servers that accept and say nothing")
	flag.Parse()
	if *root == "" {
		log.Fatal("-root is required")
	}
	if err := os.Mkdir(*root, 0o700); err != nil {
		log.Fatal(err)
	}
	staleDir := filepath.Join(*root, "stale")
	if err := os.Mkdir(staleDir, 0o700); err != nil {
		log.Fatal(err)
	}
	for i := 0; i < *stale; i++ {
		l, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(staleDir, fmt.Sprintf("s%05d.sock", i)), Net: "unix"})
		if err != nil {
			log.Fatal(err)
		}
		l.SetUnlinkOnClose(false)
		l.Close()
	}
	listen := func(kind string, i int) net.Listener {
		l, err := net.Listen("unix", filepath.Join(*root, fmt.Sprintf("%s%02d.sock", kind, i)))
		if err != nil {
			log.Fatal(err)
		}
		return l
	}
	for i := 0; i < *grpcN; i++ {
		go sample.NewServer(sample.Options{}).Serve(listen("grpc", i))
	}
	for i := 0; i < *httpN; i++ {
		go http.Serve(listen("http", i), http.NotFoundHandler())
	}
	serve := func(l net.Listener, handle func(net.Conn)) {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}
	for i := 0; i < *otherN; i++ {
		go serve(listen("other", i), func(c net.Conn) { io.Copy(c, c) })
	}
	for i := 0; i < *silentN; i++ {
		go serve(listen("silent", i), func(c net.Conn) { io.Copy(io.Discard, c) })
	}
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}
