// A stand-in for github.com/iskorotkov/avro/v2 v2.33.1, which the Go module proxy here lists
// but does not serve (403 on its .zip). See the replace in ../go.mod for why it is safe.
module github.com/iskorotkov/avro/v2

go 1.26
