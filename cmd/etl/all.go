package main

import (
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/sinks"
	"github.com/wawi-etl/etl/sources"
)

// Every source and sink type a job file can name is registered here, in one
// place, so the list of what etl can read and write is easy to find.
func init() {
	pipeline.RegisterSource("csv", sources.OpenCSV)
	pipeline.RegisterSource("xlsx", sources.OpenXLSX)
	pipeline.RegisterSink("csv", sinks.OpenCSV)
	pipeline.RegisterSink("xlsx", sinks.OpenXLSX)
	pipeline.RegisterSource("erp", sources.OpenERP)
	pipeline.RegisterSink("erp", sinks.OpenERP)
}
