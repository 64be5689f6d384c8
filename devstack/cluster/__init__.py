"""The local single-node Kubernetes cluster: its pinned binaries, images and runtime."""
