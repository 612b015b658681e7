package tap_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/session"
	"sockscope/tap"
)

// A frontend starts a tap, reads its events until it stops, and stops it
// on every way out; the events of one call share its Call number.
func ExampleStart() {
	dir, _ := os.MkdirTemp("", "tapex")
	defer os.RemoveAll(dir)
	lis, err := sample.Listen(filepath.Join(dir, "s.sock"))
	if err != nil {
		log.Fatal(err)
	}
	srv := sample.NewServer(sample.Options{})
	go srv.Serve(lis)
	defer srv.Stop()

	t, err := tap.Start(context.Background(), tap.Config{
		Upstream: session.Config{Address: filepath.Join(dir, "s.sock")},
		Listen:   filepath.Join(dir, "tap.sock"),
		Messages: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range t.Events() {
			switch ev.Kind {
			case tap.MessageSeen:
				if ev.Direction == tap.Request {
					fmt.Printf("call %d %s %d: %s\n", ev.Call, ev.Direction, ev.Index, ev.JSON)
				} else {
					fmt.Printf("call %d %s %d: decoded %v\n", ev.Call, ev.Direction, ev.Index, ev.JSON != nil)
				}
			case tap.CallEnd:
				fmt.Printf("call %d %s ended %s, %d→%d\n", ev.Call, ev.Method, ev.Status.Code, ev.Requests, ev.Responses)
			}
		}
	}()

	conn, _ := grpc.NewClient("unix://"+t.Listen(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	samplepb.NewEchoClient(conn).Echo(context.Background(), &samplepb.EchoRequest{Message: "hi"})
	conn.Close()

	report := t.Stop() // cuts what is still open; Events closes after its last events
	<-done
	fmt.Println("not decoded to the end:", report.Incomplete)
	// Output:
	// call 1 request 1: {"message":"hi"}
	// call 1 response 1: decoded true
	// call 1 sample.v1.Echo/Echo ended OK, 1→1
	// not decoded to the end: 0
}
