package main

import (
	"time"

	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/sinks"
	"github.com/wawi-etl/etl/sources"
)

// Every source and sink type a job file can name is registered here, in one
// place, so the list of what etl can read and write is easy to find.
func init() {
	for _, t := range []pipeline.SourceType{sources.CSV, sources.XLSX, sources.ERP} {
		pipeline.AddSourceType(t)
	}
	for _, t := range []pipeline.SinkType{sinks.CSV, sinks.XLSX, sinks.ERP, sinks.DATEV} {
		pipeline.AddSinkType(t)
	}
	// sink.datev.period takes the dates source filters take
	sinks.DateResolver = func(expr string, now time.Time, loc *time.Location) (time.Time, error) {
		r, err := sources.ParseRelDate(expr, now, loc)
		return r.From, err
	}
}
