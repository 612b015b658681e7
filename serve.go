package main

import (
	"fmt"
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
	if err := srv.Serve(lis); err != nil {
		return env.fail(fmt.Errorf("sample server on %s: %w", path, err))
	}
	return exitOK
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
