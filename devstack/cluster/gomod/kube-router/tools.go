//go:build tools

// The command devstack builds from this module (`go build` needs it in the module graph).
package tools

import _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
