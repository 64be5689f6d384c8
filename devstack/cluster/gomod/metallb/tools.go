//go:build tools

// The commands devstack builds from this module (`go build` needs them in the module graph).
package tools

import (
	_ "go.universe.tf/metallb/controller"
	_ "go.universe.tf/metallb/speaker"
)
