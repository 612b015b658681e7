package sockets

import (
	"fmt"
	"slices"
	"testing"

	"sockscope/internal/grpcservices"
)

func TestServiceList(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{
		{1, "s0"},
		{4, "s0, s1, s2, s3"},
		{9, "s0, s1, s2 +6 more"},
	} {
		var names []string
		for i := range c.n {
			names = append(names, fmt.Sprintf("s%d", i))
		}
		if got := serviceList(names); got != c.want {
			t.Errorf("serviceList of %d = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	owner := &Owner{User: "alice", Group: "staff", Mode: "0666", WorldWritable: true}
	services := []string{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "sample.v1.Echo"}
	for _, c := range []struct {
		name  string
		s     Socket
		infra grpcservices.Infrastructure
		want  Summary
	}{
		{"reflection", Socket{Path: "/run/a.sock", Kind: KindGRPC, Reflection: ReflectionV1, Services: services,
			Health: map[string]string{"": "SERVING"}, Owner: owner, Process: &Process{PID: 7, Comm: "srv"}},
			grpcservices.HealthAndReflection,
			Summary{Path: "/run/a.sock", Kind: "grpc", Served: "1 service", Health: "health SERVING",
				Services: []string{"sample.v1.Echo"}, Detail: "sample.v1.Echo; health SERVING",
				Owner: "alice:staff 0666", WorldWritable: true, Process: "srv (pid 7)"}},
		{"reflection, health callable", Socket{Path: "/run/a.sock", Kind: KindGRPC, Reflection: ReflectionV1, Services: services,
			Process: &Process{PID: 7}},
			grpcservices.ReflectionOnly,
			Summary{Path: "/run/a.sock", Kind: "grpc", Served: "2 services",
				Services: []string{"grpc.health.v1.Health", "sample.v1.Echo"}, Detail: "grpc.health.v1.Health, sample.v1.Echo",
				Process: "pid 7"}},
		{"schema", Socket{Path: "@ctr", Abstract: true, Kind: KindGRPC, Reflection: ReflectionNone,
			Schema: &SchemaChoice{Name: "containerd", Reason: "by name"}, Services: []string{"a.A", "b.B"}, Err: "health of 1 of 2 services unknown"},
			grpcservices.HealthAndReflection,
			Summary{Path: "@ctr", Kind: "grpc", Served: "no reflection, schema containerd, 2 services",
				Note:   "health of 1 of 2 services unknown",
				Detail: "no reflection, schema containerd (by name), 2 services; health of 1 of 2 services unknown",
				Owner:  "(abstract)"}},
		{"no reflection", Socket{Path: "/x", Kind: KindGRPC, Reflection: ReflectionNone}, grpcservices.HealthAndReflection,
			Summary{Path: "/x", Kind: "grpc", Served: "no reflection", Detail: "no reflection"}},
		{"hint and error", Socket{Path: "/x\tb", Kind: KindOther, Hint: "closed", Err: "read: reset", Owner: &Owner{Mode: "0600"}},
			grpcservices.HealthAndReflection,
			Summary{Path: `/x\tb`, Kind: "other", Note: "closed (read: reset)", Detail: "closed (read: reset)", Owner: "0600"}},
		{"pending", Socket{Path: "/x"}, grpcservices.HealthAndReflection, Summary{Path: "/x", Kind: "pending"}},
	} {
		got := Summarize(c.s, c.infra)
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", c.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", c.name, got, c.want)
		}
	}
}

func TestCompareForListing(t *testing.T) {
	socks := []Socket{
		{Path: "/b.sock", Kind: KindStale},
		{Path: "@abstract", Abstract: true, Kind: KindGRPC},
		{Path: "rel/x.sock", Kind: KindGRPC},
		{Path: "/z.sock", Kind: KindGRPC},
		{Path: "/a.sock", Kind: KindPending},
		{Path: "/a.sock.http", Kind: KindHTTP1},
	}
	slices.SortFunc(socks, func(a, b Socket) int { return CompareForListing(&a, &b) })
	var got []string
	for _, s := range socks {
		got = append(got, s.Path)
	}
	want := []string{"/z.sock", "rel/x.sock", "@abstract", "/a.sock.http", "/b.sock", "/a.sock"}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}
