//go:build devstack_backoff

package main

import (
	"time"

	"google.golang.org/grpc/backoff"
)

func init() {
	// daprd dials its app with grpc-go's default backoff (1 s × 1.6ⁿ, ±20 %, up to 120 s;
	// pkg/api/grpc/manager/manager.go), which only a successful connection resets. After
	// the worker restarts, daprd's next attempt can come seconds after the worker listens,
	// and the reminders due meanwhile wait for it (make bench: recovery). A 1 s ceiling
	// reconnects within a second of the app listening, for one refused local dial a second
	// while the app is down. The same default serves daprd's other gRPC dials. Only the
	// devstack's daprd has it: the cluster's, like the cloud's, is Dapr's own.
	backoff.DefaultConfig.MaxDelay = time.Second
}
