// Package collection owns collection files: saved requests in YAML, meant
// to be committed next to the code that serves the API. It reads them with
// every mistake placed at its line and column, expands their ${VAR}s,
// saves a request into one while keeping the rest of the file as it was,
// and runs them (all four RPC kinds, through session) checking what each
// expects with jq, for --run in CI and for the TUI's saved requests.
package collection

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/goccy/go-yaml/parser"
	"github.com/itchyny/gojq"
	"google.golang.org/grpc/codes"
)

// DefaultFile is the collection used when none is named: sockscope.yaml in
// the current directory.
const DefaultFile = "sockscope.yaml"

// Pos is a place in a collection file, 1-based; the zero Pos is unknown.
type Pos struct{ Line, Column int }

func (p Pos) String() string { return fmt.Sprintf("line %d, column %d", p.Line, p.Column) }

// FileError is a collection that cannot be used as written: a YAML
// mistake, an unknown key, a value of the wrong kind, a variable that is
// never set. It names the file, line and column.
type FileError struct {
	Path    string
	Pos     Pos
	Problem string
}

func (e *FileError) Error() string {
	if e.Pos.Line == 0 {
		return fmt.Sprintf("%s: %s", e.Path, e.Problem)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Pos.Line, e.Pos.Column, e.Problem)
}

// Text is a scalar as the file writes it, before its ${VAR}s are expanded.
type Text struct {
	Raw string
	Pos Pos
}

// Var is one entry of the file's vars.
type Var struct {
	Name  string
	Value Text
}

// Header is one request header; its value may hold ${VAR}s.
type Header struct {
	Key   string
	Value Text
}

// Message is one request message as YAML gave it (maps, lists, strings,
// numbers, booleans and nulls), its strings not yet expanded.
type Message struct {
	Value any
	Pos   Pos
}

// Body is a request's messages: one for unary and server-streaming
// methods, a list for client and bidi streams. No body sends one empty
// message.
type Body struct {
	Messages []Message
	// List says the body was written as a list.
	List bool
	Pos  Pos
}

// Expr is a jq expression and where it is written.
type Expr struct {
	Text string
	Pos  Pos
	q    *gojq.Query
}

// Expect is what a request must get: a status code (OK unless written)
// and jq expressions that must each give true.
type Expect struct {
	Code codes.Code
	// CodeText is the code as written; "" when it is left to the default.
	CodeText string
	CodePos  Pos
	JQ       []Expr
}

// Capture stores the first value of a jq expression on the reply as a
// variable for the requests after it.
type Capture struct {
	Name string
	Expr Expr
}

// Request is one saved request.
type Request struct {
	Name   Text
	Method Text
	// Address is the request's own address; its Raw is "" when it uses
	// the file's.
	Address  Text
	Headers  []Header
	Body     Body
	Deadline time.Duration // 0 when not written
	// DeadlineText is the deadline as written, "" when it is not.
	DeadlineText Text
	Expect       Expect
	Capture      []Capture
	// Pos is where the request's entry starts (its "-").
	Pos    Pos
	layout entryLayout
}

// File is a parsed collection.
type File struct {
	Path     string
	Address  Text // the default address; Raw "" when the file has none
	Vars     []Var
	Requests []Request
	src      []byte
	layout   fileLayout
}

// Load reads and parses the collection at path. A missing file is an
// error wrapping fs.ErrNotExist; anything wrong inside is a *FileError.
func Load(path string) (*File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("collection: %w", err)
	}
	return Parse(path, src)
}

// Parse parses src as the collection at path (which only names it in
// errors). Every mistake is a *FileError with its line and column; jq
// expressions are parsed too, so a typo in one is found before anything
// runs.
func Parse(path string, src []byte) (*File, error) {
	ast, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, yamlError(path, err)
	}
	d := &decoder{path: path}
	f, err := d.file(ast)
	if err != nil {
		return nil, err
	}
	f.Path, f.src = path, src
	return f, nil
}

// Find returns the request called name.
func (f *File) Find(name string) (*Request, bool) {
	for i := range f.Requests {
		if f.Requests[i].Name.Raw == name {
			return &f.Requests[i], true
		}
	}
	return nil, false
}

// ErrNoRequest is wrapped by the errors that name a request the file does
// not hold.
var ErrNoRequest = errors.New("no such request")
