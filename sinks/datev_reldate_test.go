package sinks

import "github.com/wawi-etl/etl/sources"

// The sink's period takes dates as the source does; cmd/etl wires it the same.
func init() { RelDate = sources.RelDay }
