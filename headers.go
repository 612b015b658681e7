package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"

	"google.golang.org/grpc/metadata"

	"sockscope/client"
)

// callHeaders is the call's metadata: -H and --rpc-header.
func (o *options) callHeaders() (metadata.MD, error) {
	h, err := o.readHeaderFlags()
	return metadata.Join(h.both, h.call), err
}

// reflectionHeaders is what reflection requests (and the probes that
// recognise a daemon without reflection) carry: -H and --reflect-header,
// since a server that checks credentials usually checks them on every RPC.
func (o *options) reflectionHeaders() (metadata.MD, error) {
	h, err := o.readHeaderFlags()
	return metadata.Join(h.both, h.reflection), err
}

// headerSets are the three header flags' metadata, read once: a header
// file is read one time however many uses it has.
type headerSets struct {
	both, call, reflection metadata.MD // -H, --rpc-header, --reflect-header
	err                    error
}

func (o *options) readHeaderFlags() (headerSets, error) {
	if o.parsedHeaders == nil {
		h := &headerSets{}
		sets := []*metadata.MD{&h.both, &h.call, &h.reflection}
		for i, f := range o.headerFlags() {
			if *sets[i], h.err = readHeaders(f, o.expandHeaders); h.err != nil {
				break
			}
		}
		o.parsedHeaders = h
	}
	return *o.parsedHeaders, o.parsedHeaders.err
}

type headerFlag struct {
	name   string
	values []string
}

// headerFlags are -H, --rpc-header and --reflect-header, in that order.
func (o *options) headerFlags() []headerFlag {
	return []headerFlag{{"-H", o.headers}, {"--rpc-header", o.rpcHeaders}, {"--reflect-header", o.reflectHeaders}}
}

// readHeaders parses 'key: value' flag values; '@file' reads one header a
// line so that secrets need not appear in the process list or shell
// history. With expand, ${NAME} in a header becomes the environment
// variable's value, for the same reason.
func readHeaders(f headerFlag, expand bool) (metadata.MD, error) {
	var lines []string
	for _, h := range f.values {
		if !strings.HasPrefix(h, "@") {
			lines = append(lines, h)
			continue
		}
		b, err := os.ReadFile(h[1:])
		if err != nil {
			return nil, usageError("%s %s: %v", f.name, h, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			lines = append(lines, line)
		}
	}
	if expand {
		for i, line := range lines {
			expanded, err := expandEnv(line)
			if err != nil {
				return nil, usageError("%s: %v", f.name, err)
			}
			lines[i] = expanded
		}
	}
	md, err := client.ParseHeaders(lines)
	if err != nil {
		return nil, usageError("%s: %v", f.name, err)
	}
	return md, nil
}

// envReference is ${NAME}, the one form --expand-headers replaces: a bare
// $ stays as it is, since tokens may hold one.
// Compiled on first use, not at every start.
var envReference = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`) })

// expandEnv replaces each ${NAME} in s by that environment variable; an
// unset one is an error rather than an empty credential.
func expandEnv(s string) (string, error) {
	var missing []string
	out := envReference().ReplaceAllStringFunc(s, func(ref string) string {
		name := ref[2 : len(ref)-1]
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("--expand-headers: %s not set in the environment", strings.Join(missing, ", "))
	}
	return out, nil
}
