package sockets

import (
	"fmt"
	"strconv"
	"strings"

	"sockscope/internal/grpcservices"
	"sockscope/internal/safetext"
)

// Summary is a socket in the words every listing of it uses: the --scan
// table and the TUI's rows differ in layout, not in what they say. Every
// string is Printable.
type Summary struct {
	// Path is the socket's path, or "@name" for an abstract socket.
	Path string
	// Kind is the kind's Name.
	Kind string
	// Served says shortly what a gRPC server serves: how many services, and
	// how they were learned when reflection did not list them ("3
	// services", "no reflection, schema containerd, 2 services", "no
	// reflection"). Empty for other kinds.
	Served string
	// Health is the health answers in one line (HealthSummary).
	Health string
	// Services are the services worth naming: those reflection listed,
	// less the infrastructure the listing leaves out. A schema's services
	// are its word, not the server's, so they are only counted in Served.
	Services []string
	// Note is the hint, with the probe's error after it when there is one.
	Note string
	// Detail is what Served, Services, Health and Note say, in one line for
	// a listing with one column for it: the schema's reason beside its
	// name, only the first few services named.
	Detail string
	// Owner is the file's owner and mode, "user:group 0660"; only the mode
	// where files have no owner; for an abstract socket, the user and group
	// of the process listening on it and "(abstract)", or "(abstract)"
	// alone when that is unknown; "" when unknown.
	Owner string
	// WorldWritable warns that any local user may connect.
	WorldWritable bool
	// Process is the serving process, "comm (pid N)" or "pid N"; "" when
	// unknown.
	Process string
}

// Name is how listings show the kind: its value, or "pending" for
// KindPending, whose value is empty.
func (k Kind) Name() string {
	if k == KindPending {
		return "pending"
	}
	return string(k)
}

// Summarize describes s for a listing. leaveOut is the infrastructure the
// listing does not count among a gRPC server's services (see
// grpcservices.IsInfrastructure).
func Summarize(s Socket, leaveOut grpcservices.Infrastructure) Summary {
	sum := Summary{
		Path:    safetext.Line(s.Path),
		Kind:    s.Kind.Name(),
		Health:  HealthSummary(s.Health),
		Note:    safetext.Clip(note(s), safetext.DefaultLimit),
		Owner:   safetext.Line(ownerText(s)),
		Process: safetext.Clip(processText(s), safetext.DefaultLimit),
	}
	sum.WorldWritable = s.Owner != nil && s.Owner.WorldWritable
	if s.Kind != KindGRPC {
		sum.Detail = sum.Note
		return sum
	}
	var names []string
	for _, name := range s.Services {
		if !grpcservices.IsInfrastructure(name, leaveOut) {
			names = append(names, safetext.Clip(name, safetext.DefaultLimit))
		}
	}
	var served string
	switch {
	case s.Schema != nil:
		schema := safetext.Line(s.Schema.Name)
		count := countServices(len(names))
		if n := len(s.Schema.NotServed); n > 0 {
			count += fmt.Sprintf(" (%d more not served)", n)
		}
		sum.Served = fmt.Sprintf("no reflection, schema %s, %s", schema, count)
		served = fmt.Sprintf("no reflection, schema %s (%s), %s", schema, safetext.Clip(s.Schema.Reason, safetext.DefaultLimit), count)
	case len(names) > 0:
		sum.Served = countServices(len(names))
		sum.Services = names
		served = serviceList(names)
	case s.Reflection == ReflectionNone:
		sum.Served = "no reflection"
		served = sum.Served
	case s.Reflection == ReflectionRefused:
		sum.Served = "reflection refused"
	}
	var parts []string
	for _, part := range []string{served, sum.Health, sum.Note} {
		if part != "" {
			parts = append(parts, part)
		}
	}
	sum.Detail = strings.Join(parts, "; ")
	return sum
}

// note is the hint and the error, either alone when the other is empty.
func note(s Socket) string {
	switch {
	case s.Err != "" && s.Hint != "":
		return s.Hint + " (" + s.Err + ")"
	case s.Err != "":
		return s.Err
	}
	return s.Hint
}

func countServices(n int) string {
	if n == 1 {
		return "1 service"
	}
	return strconv.Itoa(n) + " services"
}

// serviceList names a few services and counts the rest; --json has them
// all.
func serviceList(services []string) string {
	const shown = 3
	if len(services) <= shown+1 {
		return strings.Join(services, ", ")
	}
	return fmt.Sprintf("%s +%d more", strings.Join(services[:shown], ", "), len(services)-shown)
}

func ownerText(s Socket) string {
	switch {
	case s.Owner == nil && s.Abstract:
		return "(abstract)"
	case s.Owner == nil:
		return ""
	case s.Abstract:
		return s.Owner.User + ":" + s.Owner.Group + " (abstract)"
	case s.Owner.User == "":
		return s.Owner.Mode
	}
	return s.Owner.User + ":" + s.Owner.Group + " " + s.Owner.Mode
}

func processText(s Socket) string {
	switch {
	case s.Process == nil:
		return ""
	case s.Process.Comm != "":
		return s.Process.Comm + " (pid " + strconv.Itoa(s.Process.PID) + ")"
	}
	return "pid " + strconv.Itoa(s.Process.PID)
}
