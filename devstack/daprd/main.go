// daprd as Dapr builds it (cmd/daprd: app.Run, with the components its build tags select).
// The devstack's build adds one setting of ours (backoff.go, tag devstack_backoff); the
// cluster's build adds only the OpenAI-compatible conversation component, as the official
// images (allcomponents) have it.
package main

import "github.com/dapr/dapr/cmd/daprd/app"

func main() {
	app.Run()
}
