// Traefik's routing-configuration extension points (pkg/config/dynamic/ext of the release): a
// nested module of its repository, so neither in the v3 module zip nor on the module proxy;
// traefik's own go.mod replaces it with that local path, and so does ours (see ../go.mod).
module github.com/traefik/traefik/dynamic/ext

go 1.26.0
