package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"sockscope/client"
	"sockscope/collection"
	"sockscope/reflection"
	"sockscope/sockets"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// options holds every flag after parsing; each mode reads the part it needs.
type options struct {
	// modes
	call, describe, template string
	list, long, showVersion  bool
	sampleServer, demo, scan bool
	health                   bool
	healthService            string
	debugFile                string

	// discovery
	roots          stringList
	noDefaultRoots bool
	depth          int
	probeTimeout   time.Duration
	concurrency    int
	noProbe        bool
	json           bool

	// schema sources
	protoFiles, importPaths, protosets stringList
	schema                             string
	protosetOut                        string
	showUnserved                       bool

	// call
	data           string
	dataSet        bool
	headers        stringList // -H: the call and reflection
	rpcHeaders     stringList // the call only
	reflectHeaders stringList // reflection only
	expandHeaders  bool
	parsedHeaders  *headerSets // read by readHeaderFlags
	maxTime        time.Duration
	connectTimeout time.Duration
	authority      string
	allowUnknown   bool

	// TLS (any of them dials with TLS)
	useTLS                    bool
	caCert, certFile, keyFile string
	serverName                string
	insecureTLS               bool

	maxMsgSize   int
	format       string
	emitDefaults bool
	verbose      bool

	// sample server
	socket     string
	reflection string
	token      string

	// history and collections
	noHistory    bool
	history      bool
	historyWords []string // --history WORDS: the positional arguments
	rerun        int64    // a history ID; 0 when --rerun is not given
	rerunJSON    bool     // the requests are history's JSON whatever --format says
	runFile      string
	only         stringList
	vars         stringList
	junit        string
	collection   string // the TUI's collection file
	// tap
	tap        string
	listen     string
	listenMode string
	interpose  bool
	restore    bool
	tapOut     string
	// fromTap is the recording --to-collection reads.
	toCollection, fromTap string
	// explicit names the flags given on the command line, where a mode
	// reads a flag's default differently from the same value given.
	explicit map[string]bool

	address string

	// shell completion and --bench (see complete.go and benchcmd.go)
	completion string
	bench      string
	vs         string
	benchCount int64
	benchFor   time.Duration
	benchConns int
	benchRate  float64
	tcp        string
	// completionWords are the words of the line being completed, for the
	// look-up that finishes in the background (completenames.go).
	completionWords []string
}

func newFlagSet(o *options, output io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("sockscope", flag.ContinueOnError)
	fs.SetOutput(output)

	fs.StringVar(&o.call, "call", "", "Call `METHOD` (pkg.Service/Method) on ADDRESS.")
	fs.BoolVar(&o.list, "list", false, "List the methods served at ADDRESS, one `pkg.Service/Method` a line.")
	fs.BoolVar(&o.long, "long", false, "With --list, also show each method's RPC kind and message types.")
	fs.StringVar(&o.describe, "describe", "", "Show `SYMBOL` (service, method or message) in proto syntax.")
	fs.StringVar(&o.template, "template", "", "Print a JSON request for `SYMBOL` (a method or message) with every field present.")
	fs.BoolVar(&o.showVersion, "version", false, "Print the version and exit.")
	fs.BoolVar(&o.sampleServer, "sample-server", false, "Serve the bundled sample gRPC server until interrupted.")
	fs.BoolVar(&o.demo, "demo", false, "Start the bundled sample server on a fresh socket and open the TUI on it.")
	fs.StringVar(&o.debugFile, "debug", "", "Log every TUI message type to `FILE`.")
	fs.BoolVar(&o.scan, "scan", false, "List the sockets found under the scan roots and what each one is.")
	fs.BoolVar(&o.health, "health", false, "Check grpc.health.v1 at ADDRESS (for SERVICE when given); exits as grpc_health_probe does.")

	fs.Var(&o.roots, "root", "Also scan `DIR` for sockets (repeatable); '@' is Linux's abstract socket namespace.")
	fs.BoolVar(&o.noDefaultRoots, "no-default-roots", false, "Scan only the --root directories; abstract sockets too only with --root @.")
	fs.IntVar(&o.depth, "depth", sockets.DefaultMaxDepth, "Search at most `N` directory levels below each root.")
	fs.DurationVar(&o.probeTimeout, "probe-timeout", sockets.DefaultProbeTimeout, "Wait at most `DURATION` for each socket to answer a probe.")
	fs.IntVar(&o.concurrency, "concurrency", sockets.DefaultConcurrency, "Probe at most `N` sockets at once; with --bench, keep N calls in flight (default: one per connection).")
	fs.BoolVar(&o.noProbe, "no-probe", false, "Only read the file system and /proc; send nothing to any socket.")
	fs.BoolVar(&o.json, "json", false, "With --scan or --history, print one JSON array instead of a table.")

	fs.Var(&o.protoFiles, "proto", "Read the schema from this .proto `FILE` (repeatable) instead of server reflection.")
	fs.Var(&o.importPaths, "import-path", "Resolve --proto imports under `DIR` (repeatable).")
	fs.Var(&o.protosets, "protoset", "Read the schema from this FileDescriptorSet `FILE` (repeatable).")
	fs.StringVar(&o.protosetOut, "protoset-out", "", "With --list or --describe, also write what was listed or described, and all it imports, to `FILE` as a FileDescriptorSet (for --protoset).")
	fs.BoolVar(&o.showUnserved, "show-unserved", false, "With --list and in the TUI, also list the services of a built-in schema that the daemon says it does not serve (containerd's disabled plugins).")
	fs.StringVar(&o.schema, "schema", "", "Use the built-in schema `NAME` for a server without reflection; 'list' names them. Without it one is chosen by socket name or by asking the server.")

	fs.Func("d", "Request `DATA` as JSON; '@' or '@-' reads stdin, '@path' reads a file. Streams take a sequence of objects.", func(v string) error {
		o.data, o.dataSet = v, true
		return nil
	})
	fs.Var(&o.headers, "H", "Request metadata `'key: value'` (repeatable), sent with the call and with reflection requests; '@file' reads one header a line.")
	fs.Var(&o.rpcHeaders, "rpc-header", "Like -H, for the call only (`'key: value'` or '@file').")
	fs.BoolVar(&o.expandHeaders, "expand-headers", false, "Replace ${NAME} in header values with the environment variable NAME (an unset one is an error).")
	fs.Var(&o.reflectHeaders, "reflect-header", "Like -H, for reflection requests only (`'key: value'` or '@file').")
	fs.DurationVar(&o.maxTime, "max-time", 0, "Give up on the whole call after `DURATION` (e.g. 5s); 0 means no limit.")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", client.DefaultConnectTimeout, "Give up connecting after `DURATION`.")
	fs.StringVar(&o.authority, "authority", "", "Send `NAME` as :authority (default: localhost for unix sockets, host:port for TCP); with TLS also the name the certificate must carry, unless --servername.")
	fs.BoolVar(&o.useTLS, "tls", false, "Dial with TLS, trusting the system's authorities (TCP and unix sockets alike; without it and the flags below both are plaintext).")
	fs.StringVar(&o.caCert, "cacert", "", "With TLS (implied), trust the authorities in this PEM `FILE` instead of the system's.")
	fs.StringVar(&o.certFile, "cert", "", "With TLS (implied), present this PEM client certificate `FILE` (mTLS); needs --key.")
	fs.StringVar(&o.keyFile, "key", "", "With TLS (implied), the PEM private key `FILE` of --cert.")
	fs.StringVar(&o.serverName, "servername", "", "With TLS (implied), the `NAME` the server's certificate must carry, also sent in SNI (default: the --authority or TCP host, localhost for a unix socket).")
	fs.BoolVar(&o.insecureTLS, "insecure", false, "With TLS (implied), do not verify the server's certificate: anyone on the way can read and change the traffic. Said on every use.")
	fs.BoolVar(&o.allowUnknown, "allow-unknown-fields", false, "Skip request fields the schema does not know instead of rejecting them.")
	fs.IntVar(&o.maxMsgSize, "max-msg-size", client.DefaultMaxMsgSize, "Largest reply message accepted, in `BYTES`.")
	fs.StringVar(&o.format, "format", "json", "Replies as 'json' (indented), 'jsonl' (one compact object a line, for jq) or 'text' (protobuf text format, requests too, messages separated by ASCII RS as grpcurl's).")
	fs.BoolVar(&o.emitDefaults, "emit-defaults", false, "Print fields that hold their zero value.")
	fs.BoolVar(&o.verbose, "v", false, "Print response headers, trailers and timings on stderr.")

	fs.StringVar(&o.socket, "socket", "", "With --sample-server, listen on this socket `PATH` (default under $XDG_RUNTIME_DIR or the temp dir).")
	fs.StringVar(&o.reflection, "reflection", "v1", "With --sample-server, serve reflection `API` v1, v1alpha or none.")
	fs.StringVar(&o.token, "token", "", "With --sample-server, refuse every RPC, reflection included, without 'authorization: Bearer `TOKEN`' (to try -H); '@file' reads it from a file's first line, '${NAME}' from the environment.")

	fs.BoolVar(&o.noHistory, "no-history", false, "Do not record this call in the history (as SOCKSCOPE_HISTORY=off does).")
	fs.BoolVar(&o.history, "history", false, "List the calls in the history, newest first; the words after it keep the calls that hold every one (--json for the whole entries).")
	fs.Func("rerun", "Repeat the call with history `ID`, with the current flags' headers on top (masked values must be given again); an ADDRESS calls another socket.", func(v string) error {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("want the ID --history shows (a positive number), not %q", v)
		}
		o.rerun = id
		return nil
	})
	fs.StringVar(&o.runFile, "run", "", "Run the requests of the collection `FILE` in order and check what each expects; exit 0 only when all pass.")
	fs.Var(&o.only, "only", "With --run, run only the request `NAME` (repeatable).")
	fs.Var(&o.vars, "var", "With --run, set the variable `K=V` for ${K} in the collection (repeatable; overrides its vars and the environment).")
	fs.StringVar(&o.junit, "junit", "", "With --run, also write the results to `FILE` as JUnit XML.")
	fs.StringVar(&o.collection, "collection", collection.DefaultFile, "In the TUI, the collection `FILE` that ctrl+x and the traffic screen save requests into and ctrl+r lists them from (--run takes its file as its own argument).")
	fs.StringVar(&o.completion, "completion", "", "Print the completion script for `SHELL` (bash, zsh or fish) to source; see README: Shell completion.")
	fs.StringVar(&o.bench, "bench", "", "Call `METHOD` (unary or server-streaming) on ADDRESS repeatedly and print its throughput and latency.")
	fs.StringVar(&o.vs, "vs", "", "With --bench, run the same load against `ADDRESS2` too, in alternating rounds, and print both with their ratios.")
	fs.Int64Var(&o.benchCount, "n", 0, "With --bench, make `N` calls to each address (default 10000 unless --duration is given).")
	fs.DurationVar(&o.benchFor, "duration", 0, "With --bench, call each address for `DURATION` instead of a number of calls.")
	fs.IntVar(&o.benchConns, "c", 1, "With --bench, open `CONNS` connections to each address.")
	fs.Float64Var(&o.benchRate, "rate", 0, "With --bench, pace the calls to `RPS` a second in all (default: as fast as they return).")
	fs.StringVar(&o.tcp, "tcp", "", "With --sample-server, also listen on loopback TCP `ADDR` (127.0.0.1:0 picks a free port).")
	fs.StringVar(&o.tap, "tap", "", "Forward every connection from --listen PATH to `ADDRESS` unchanged and show the calls, decoded; with --interpose, ADDRESS is a socket file the tap stands in front of.")
	fs.StringVar(&o.listen, "listen", "", "With --tap, listen on this socket `PATH` (default tap.sock in the sample server's private directory).")
	fs.StringVar(&o.listenMode, "listen-mode", "", "With --tap, the listening socket's permissions in octal `MODE` (default 0600).")
	fs.BoolVar(&o.interpose, "interpose", false, "With --tap PATH, stand in front of the socket file at PATH without restarting its server: it is renamed to PATH.sockscope-tapped until the tap ends (Linux; read the README's warning first).")
	fs.BoolVar(&o.restore, "restore", false, "With --tap PATH, put back a socket that a tap in interpose mode left renamed (it crashed or was killed).")
	fs.StringVar(&o.toCollection, "to-collection", "", "Turn the unary calls of the --from-tap recording into requests of the collection `FILE` (created or added to), for ADDRESS, then exit.")
	fs.StringVar(&o.fromTap, "from-tap", "", "With --to-collection, the --tap-out `FILE.jsonl` to read ('-' reads stdin).")
	fs.StringVar(&o.tapOut, "tap-out", "", "With --tap, also record every event to `FILE`, one JSON object a line, secret-looking metadata masked.")

	fs.Usage = func() { printUsage(output, fs) }
	return fs
}

// parseFlags accepts flags before and after the positional ADDRESS, as users of
// grpcurl-style tools expect to append flags at the end of a command line.
func parseFlags(args []string, output io.Writer) (*options, error) {
	o := &options{}
	fs := newFlagSet(o, output)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	if o.history {
		o.historyWords, positional = positional, nil
	}
	o.explicit = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.explicit[f.Name] = true })
	if o.health && len(positional) == 2 {
		o.healthService = positional[1]
		positional = positional[:1]
	}
	switch len(positional) {
	case 0:
	case 1:
		o.address = positional[0]
	default:
		return nil, fmt.Errorf("expected one ADDRESS, got %d arguments: %s", len(positional), strings.Join(positional, " "))
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *options) validate() error {
	modes := 0
	for _, set := range []bool{o.call != "", o.list, o.describe != "", o.template != "", o.sampleServer, o.scan, o.demo, o.health,
		o.history, o.rerun != 0, o.runFile != "", o.bench != "", o.completion != "", o.tap != "", o.toCollection != ""} {
		if set {
			modes++
		}
	}
	if modes > 1 {
		return errors.New("choose one of --call, --list, --describe, --template, --health, --scan, --tap, --demo, --sample-server, --history, --rerun, --run, --to-collection, --bench and --completion")
	}
	if err := o.validateToCollection(); err != nil {
		return err
	}
	if err := o.validateTap(); err != nil {
		return err
	}
	if err := o.validateRemembered(); err != nil {
		return err
	}
	if err := o.validateShellAndBench(); err != nil {
		return err
	}
	if o.format != "json" && o.format != "jsonl" && o.format != "text" && o.bench == "" {
		return fmt.Errorf("--format %q: want json, jsonl or text", o.format)
	}
	if o.maxMsgSize <= 0 {
		return fmt.Errorf("--max-msg-size %d: want a positive number of bytes", o.maxMsgSize)
	}
	if o.connectTimeout <= 0 {
		return fmt.Errorf("--connect-timeout %s: want a positive duration", o.connectTimeout)
	}
	if o.maxTime < 0 {
		return fmt.Errorf("--max-time %s: want a positive duration", o.maxTime)
	}
	switch {
	case o.certFile != "" && o.keyFile == "":
		return fmt.Errorf("--cert %s needs --key FILE, the certificate's private key", o.certFile)
	case o.keyFile != "" && o.certFile == "":
		return fmt.Errorf("--key %s needs --cert FILE, the certificate it is the key of", o.keyFile)
	case o.tlsOptions() != nil && (o.scan || o.sampleServer):
		return errors.New("--tls, --cacert, --cert, --key, --servername and --insecure are for dialing an ADDRESS; --scan and --sample-server speak plaintext")
	}
	hasSchema := len(o.protoFiles) > 0 || len(o.protosets) > 0 || (o.schema != "" && o.schema != "list")
	switch {
	case o.health && o.address == "":
		return errors.New("--health needs an ADDRESS")
	case o.call != "" && o.address == "":
		return errors.New("--call needs an ADDRESS (a socket path, unix:…, @abstract or host:port)")
	case (o.list || o.describe != "" || o.template != "") && o.address == "" && !hasSchema:
		return errors.New("need an ADDRESS, or --proto/--protoset to read the schema from files")
	case o.protosetOut != "" && !o.list && o.describe == "":
		return errors.New("--protoset-out goes with --list or --describe")
	case o.token != "" && !o.sampleServer:
		return errors.New("--token goes with --sample-server; a client sends credentials with -H 'authorization: Bearer TOKEN'")
	case o.sampleServer && o.address != "":
		return fmt.Errorf("--sample-server takes --socket PATH, not an ADDRESS (%s)", o.address)
	case (o.scan || o.demo) && o.address != "":
		return fmt.Errorf("--scan and --demo take no ADDRESS (%s); use --root DIR to scan a directory", o.address)
	case o.depth <= 0 || o.concurrency <= 0 || o.probeTimeout <= 0:
		return errors.New("--depth, --concurrency and --probe-timeout must be positive")
	}
	return nil
}

// validateTap checks the tap's flags: they go with --tap only, and the two
// modes take different ones.
func (o *options) validateTap() error {
	if o.tap == "" {
		for _, f := range []struct {
			name string
			set  bool
		}{{"--listen", o.listen != ""}, {"--listen-mode", o.listenMode != ""}, {"--interpose", o.interpose}, {"--restore", o.restore}, {"--tap-out", o.tapOut != ""}} {
			if f.set {
				return fmt.Errorf("%s goes with --tap", f.name)
			}
		}
		return nil
	}
	switch {
	case o.address != "":
		return fmt.Errorf("--tap takes its ADDRESS as its value (--tap %s), not a second one (%s)", o.tap, o.address)
	case o.restore && (o.interpose || o.listen != "" || o.listenMode != "" || o.tapOut != ""):
		return errors.New("--restore takes only --tap PATH: it puts the socket back and exits")
	case o.interpose && (o.listen != "" || o.listenMode != ""):
		return errors.New("--interpose listens at the --tap PATH itself, with its owner and mode; --listen and --listen-mode are for proxy mode")
	case len(o.rpcHeaders) > 0 || o.dataSet:
		return errors.New("--tap makes no calls of its own: -d and --rpc-header go with --call (-H and --reflect-header go with the tap's reflection requests)")
	case o.format == "text" || o.format == "json" && o.explicit["format"]:
		return fmt.Errorf("--tap prints one line per call, or one JSON object per event with --format jsonl, not --format %s", o.format)
	}
	if o.listenMode != "" {
		mode, err := strconv.ParseUint(o.listenMode, 8, 32)
		if err != nil || mode == 0 || mode > 0o777 {
			return fmt.Errorf("--listen-mode %q: want permissions in octal, such as 0600 or 0660", o.listenMode)
		}
	}
	return nil
}

// tlsOptions are the TLS flags, nil when none was given: plaintext.
func (o *options) tlsOptions() *client.TLSOptions {
	if !o.useTLS && o.caCert == "" && o.certFile == "" && o.keyFile == "" && o.serverName == "" && !o.insecureTLS {
		return nil
	}
	return &client.TLSOptions{CACertFile: o.caCert, CertFile: o.certFile, KeyFile: o.keyFile, ServerName: o.serverName, Insecure: o.insecureTLS}
}

// healthRequested tells --health apart before flags parse, because its usage
// errors exit 1, as grpc_health_probe's do, not 2.
func healthRequested(args []string) bool {
	for _, a := range args {
		if a == "--health" || a == "-health" {
			return true
		}
	}
	return false
}

func (o *options) scanOptions() sockets.Options {
	return sockets.Options{
		Roots:          o.roots,
		NoDefaultRoots: o.noDefaultRoots,
		MaxDepth:       o.depth,
		ProbeTimeout:   o.probeTimeout,
		Concurrency:    o.concurrency,
		NoProbe:        o.noProbe,
	}
}

// schemaOptions gathers the schema flags; the session adds the socket path
// of each address it opens, by which a daemon may be recognised.
func (o *options) schemaOptions() reflection.Options {
	return reflection.Options{ProtoFiles: o.protoFiles, ImportPaths: o.importPaths, Protosets: o.protosets, Schema: o.schema, ShowUnserved: o.showUnserved}
}
