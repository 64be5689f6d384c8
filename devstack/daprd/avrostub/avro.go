// Package avro holds the one thing dapr v1.18.3 uses from github.com/iskorotkov/avro/v2:
// cmd/daprd/components/pubsub_pulsar.go sets DefaultConfig's collection limits at start-up
// (GO-2026-5046). Nothing else reads them here: without dapr's pulsar-client-go fork the
// Pulsar component decodes Avro with github.com/hamba/avro/v2, as in dapr v1.18.2, and our
// daprd never loads a Pulsar component.
package avro

// API is what a frozen Config gives; the real one encodes and decodes.
type API interface{ config() Config }

// Config has the fields dapr sets.
type Config struct {
	MaxSliceAllocSize int
	MaxMapAllocSize   int
}

type frozen struct{ c Config }

func (f frozen) config() Config { return f.c }

// Freeze makes the API of a Config, as the real package's does.
func (c Config) Freeze() API { return frozen{c} }

// DefaultConfig is the API the package's functions would use.
var DefaultConfig = Config{}.Freeze()
