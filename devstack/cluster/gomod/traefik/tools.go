//go:build tools

// Pins Traefik, the ingress controller in front of the web app: one binary, cmd/traefik.
package tools

import _ "github.com/traefik/traefik/v3/cmd/traefik"
