// Copied verbatim from github.com/traefik/traefik pkg/config/dynamic/ext/ext.go (branch v3.7,
// identical on master): two empty structs Traefik embeds in its dynamic configuration.
package ext

// HTTP is a dynamic.HTTP extension.
type HTTP struct{}

// Router is a dynamic.Router extension.
type Router struct{}
