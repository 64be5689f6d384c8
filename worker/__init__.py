"""todo-worker: consumes the platform's topics and Dapr job triggers (see design.md)."""
