package reflection

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"sockscope/sample"
)

func TestListServiceNames(t *testing.T) {
	for _, c := range []struct {
		mode sample.Reflection
		api  string
	}{
		{sample.ReflectionV1, ReflectionV1},
		{sample.ReflectionV1Alpha, ReflectionV1Alpha},
	} {
		t.Run(c.api, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			names, api, err := ListServiceNames(ctx, dialSample(t, c.mode, nil))
			if err != nil || api != c.api {
				t.Fatalf("names %v, api %q, err %v; want api %q", names, api, err, c.api)
			}
			for _, want := range []string{"sample.v1.Echo", "sample.v1.Workloads", "grpc.health.v1.Health"} {
				if !slices.Contains(names, want) {
					t.Errorf("names %v lack %s", names, want)
				}
			}
			if !slices.IsSorted(names) {
				t.Errorf("names not sorted: %v", names)
			}
		})
	}

	t.Run("none", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		names, api, err := ListServiceNames(ctx, dialSample(t, sample.ReflectionNone, nil))
		if status.Code(err) != codes.Unimplemented || api != ReflectionNone || names != nil {
			t.Errorf("names %v, api %q, err %v; want none and Unimplemented", names, api, err)
		}
	})

	t.Run("status kept", func(t *testing.T) {
		path := filepath.Join(tableTempDir(t), "g.sock")
		lis, err := sample.Listen(path)
		if err != nil {
			t.Fatal(err)
		}
		srv := sample.NewServer(sample.Options{Reflection: sample.ReflectionV1, Token: "t"})
		go srv.Serve(lis)
		t.Cleanup(srv.Stop)
		conn := dialSocket(t, path)

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, api, err := ListServiceNames(ctx, conn)
		if status.Code(err) != codes.Unauthenticated || api != ReflectionV1 || !strings.Contains(err.Error(), "reflection v1") {
			t.Errorf("without credentials: api %q, err %v; want v1 and Unauthenticated", api, err)
		}
		names, api, err := ListServiceNames(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer t"), conn)
		if err != nil || api != ReflectionV1 || !slices.Contains(names, "sample.v1.Echo") {
			t.Errorf("with credentials: names %v, api %q, err %v", names, api, err)
		}
	})
}
