//go:build tools

// Pins the CNCF distribution registry for the local release rehearsal: the OCI registry the
// release pushes to and the node pulls from, standing in for GHCR.
package tools

import _ "github.com/distribution/distribution/v3/cmd/registry"
