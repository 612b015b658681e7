package sample

import (
	"context"
	"crypto/subtle"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// requireToken refuses every RPC, reflection and health included, that does
// not carry "authorization: Bearer <token>", as daemons that check
// credentials in an interceptor do.
func requireToken(token string) []grpc.ServerOption {
	want := []byte("Bearer " + token)
	check := func(ctx context.Context) error {
		md, _ := metadata.FromIncomingContext(ctx)
		got := md.Get("authorization")
		if len(got) == 1 && subtle.ConstantTimeCompare([]byte(got[0]), want) == 1 {
			return nil
		}
		if len(got) == 0 {
			return status.Error(codes.Unauthenticated, "no authorization header: this server wants 'authorization: Bearer <token>'")
		}
		return status.Error(codes.Unauthenticated, "wrong token in the authorization header")
	}
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			if err := check(ctx); err != nil {
				return nil, err
			}
			return handler(ctx, req)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
			if err := check(ss.Context()); err != nil {
				return err
			}
			return handler(srv, ss)
		}),
	}
}
