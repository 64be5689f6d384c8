//go:build tools

// The commands devstack builds from this module (`go build` needs them in the module graph).
package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/server/v3"
)
