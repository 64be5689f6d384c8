//go:build tools

// The commands devstack builds from this module live in it (controller/, webhook/,
// cainjector/); this file only keeps the pinned cert-manager release in the module graph.
package tools

import _ "github.com/cert-manager/cert-manager/pkg/util"
