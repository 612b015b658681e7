package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"sockscope/client"
	"sockscope/internal/startup"
	"sockscope/sample"
)

// gracePeriod is how long in-flight calls (a Chat left open, a long Sleep)
// may take to finish after SIGINT/SIGTERM before they are cut off.
const gracePeriod = 2 * time.Second

func (env *runEnv) serveSample() int {
	startup.UseAllCPUs()
	mode, err := sample.ParseReflection(env.opts.reflection)
	if err != nil {
		return env.fail(usageError("--reflection: %v", err))
	}
	var tcpLis net.Listener
	if env.opts.tcp != "" {
		if tcpLis, err = listenLoopback(env.opts.tcp); err != nil {
			return env.fail(err)
		}
		defer tcpLis.Close()
	}
	path := env.opts.socket
	if path == "" {
		path = sample.DefaultSocketPath()
	}
	if err := client.CheckSocketPath(path, true); err != nil {
		return env.fail(err)
	}
	lis, err := sample.Listen(path)
	if err != nil {
		return env.fail(err)
	}
	if lis.Warning != "" {
		fmt.Fprintf(env.stderr, "sockscope: warning: %s\n", lis.Warning)
	}
	defer func() {
		note, err := lis.Remove()
		switch {
		case err != nil:
			env.report(err)
		case note != "":
			fmt.Fprintf(env.stderr, "sockscope: %s\n", note)
		}
	}()
	token, err := readSecret("--token", env.opts.token)
	if err != nil {
		return env.fail(err)
	}
	srv := sample.NewServer(sample.Options{Reflection: mode, Token: token})

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	go func() {
		<-signals
		done := make(chan struct{})
		go func() { srv.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-time.After(gracePeriod):
			srv.Stop()
		}
	}()

	fmt.Fprintln(env.stdout, lis.Addr().String())
	if tcpLis != nil {
		fmt.Fprintln(env.stdout, tcpLis.Addr().String())
		go func() {
			if err := srv.Serve(tcpLis); err != nil {
				env.report(fmt.Errorf("sample server on %s: %w", tcpLis.Addr(), err))
			}
		}()
	}
	if err := srv.Serve(lis); err != nil {
		return env.fail(fmt.Errorf("sample server on %s: %w", path, err))
	}
	return exitOK
}

// listenLoopback listens on addr (--tcp), which must be a loopback
// address: the sample server answers anyone who reaches it, so it is never
// put on a network other machines share.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usageError("--tcp %s: want HOST:PORT, e.g. 127.0.0.1:0: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, usageError("--tcp %s: the sample server listens on loopback only (127.0.0.1, [::1] or localhost), since anyone who can reach it can call it", addr)
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--tcp: %w", err)
	}
	return lis, nil
}

// readSecret reads a secret flag's value so that it need not appear in the
// process list or the shell's history: '@file' is the file's first line,
// '${NAME}' the environment variable's value; anything else is the value.
func readSecret(flag, value string) (string, error) {
	switch {
	case strings.HasPrefix(value, "@"):
		b, err := os.ReadFile(value[1:])
		if err != nil {
			return "", usageError("%s %s: %v", flag, value, err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		if line = strings.TrimSpace(line); line == "" {
			return "", usageError("%s %s: the file's first line is empty", flag, value)
		}
		return line, nil
	case strings.HasPrefix(value, "${") && strings.HasSuffix(value, "}"):
		name := value[2 : len(value)-1]
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return "", usageError("%s: %s is not set in the environment", flag, name)
		}
		return v, nil
	}
	return value, nil
}
