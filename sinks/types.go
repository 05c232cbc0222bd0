package sinks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// The sink types a job file can name; cmd/etl registers them.
var (
	CSV = pipeline.SinkType{Name: "csv", Open: OpenCSV, Extensions: []string{".csv", ".txt", ".tsv"},
		WritesFile: true, Check: noLinesSheet("a CSV file has no second sheet (leave lines_sheet out for one row per line item)")}
	XLSX = pipeline.SinkType{Name: "xlsx", Open: OpenXLSX, Extensions: []string{".xlsx", ".xlsm"},
		WritesFile: true, Check: checkLinesSheetSpec}
	ERP = pipeline.SinkType{Name: "erp", Open: OpenERP, NeedsConn: true, Check: checkERPSpec, CheckTargets: checkERPTargets}
)

// checkERPSpec: what the sink writes and how comes from erp's resource
// table.
func checkERPSpec(job *pipeline.Job, add func(path, msg string)) {
	noLinesSheet("")(job, add)
	sk := &job.Sink
	if sk.Resource == "" {
		add("$.sink", "sink.resource is missing ("+strings.Join(erp.ImportTargets(), ", ")+")")
		return
	}
	def, err := erp.ImportResource(sk.Resource)
	switch {
	case err != nil:
		add("$.sink.resource", err.Error())
	case sk.Prune && !def.Import.Prune && !productPrunes(def.Name, jobTargets(job)):
		add("$.sink.prune", "prune: "+sk.Resource+" cannot be pruned (only sub-collections that allow DELETE)")
	default:
		if _, err := def.Operation(sk.Operation); err != nil {
			add("$.sink.operation", err.Error())
		}
	}
}

// checkERPTargets opens the sink as a run would, against a client that is
// never called (opening reads nothing), so that etl validate finds every
// target the API cannot take; and, for a sink that may create, the fields
// a create needs that the mapping does not give.
func checkERPTargets(ctx context.Context, spec *pipeline.SinkSpec, targets []mappings.Target) error {
	c, err := erp.New(erp.Config{BaseURL: "http://validate.invalid/", APIKey: "validate"})
	if err != nil {
		return err
	}
	snk, err := OpenERP(ctx, spec, &pipeline.Env{Conn: c, Targets: targets, DryRun: true})
	if err != nil {
		var tes pipeline.TargetErrors
		if errors.As(err, &tes) {
			return subResourceHints(spec.Resource, tes)
		}
		return pipeline.TargetErrors{{Msg: err.Error()}}
	}
	s := snk.(*ERPSink)
	k, ok := keyedOf(s.res)
	if !ok || k.op == "update" || len(k.def.CreateRequired) == 0 {
		return nil
	}
	var missing []string
	for _, req := range k.def.CreateRequired {
		found := false
		for _, c := range k.canon {
			if c == req || strings.HasPrefix(c, req+".") || strings.HasPrefix(c, req+"[") {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, req)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return pipeline.TargetErrors{{Msg: fmt.Sprintf("operation %s creates %s the Wawi lacks, and a new one needs %s: map %s, or use operation: update",
		k.op, plural(k.noun), strings.Join(missing, ", "), strings.Join(missing, " and "))}}
}

// subResourceHints points a target that names a sub-resource of the sink's
// resource (Suppliers[0].PurchasePriceNet on items) at the resource that
// writes it (items/suppliers).
func subResourceHints(resource string, tes pipeline.TargetErrors) pipeline.TargetErrors {
	def, err := erp.ImportResource(resource)
	if err != nil {
		return tes
	}
	for i, te := range tes {
		head, _, _ := strings.Cut(te.Target, ".")
		head, _, _ = strings.Cut(head, "[")
		for name := range def.Sub {
			if def.Import.Planner == erp.PlannerSalesOrders && name == "lineitems" {
				continue // the order sink sends them with the order
			}
			if strings.EqualFold(name, head) {
				tes[i].Msg += fmt.Sprintf("; %s are written with resource: %s/%s", name, resource, name)
			}
		}
	}
	return tes
}

// noLinesSheet refuses lines_sheet on sinks that write no workbook.
func noLinesSheet(why string) func(*pipeline.Job, func(path, msg string)) {
	return func(job *pipeline.Job, add func(path, msg string)) {
		if job.Sink.LinesSheet == "" {
			return
		}
		msg := "lines_sheet applies to xlsx sinks"
		if why != "" {
			msg += ": " + why
		}
		add("$.sink.lines_sheet", msg)
	}
}

// checkLinesSheetSpec: the two-sheet order export needs a source that emits
// line items; its sheet names must differ from the others.
func checkLinesSheetSpec(job *pipeline.Job, add func(path, msg string)) {
	sk := &job.Sink
	if sk.LinesSheet == "" {
		return
	}
	src, _ := pipeline.LookupSourceType(job.Source.Type)
	if !src.NeedsConn || strings.TrimSpace(job.Source.Include) == "" {
		add("$.sink.lines_sheet", "lines_sheet needs line items from the source: set source.type: erp with include: lineitems")
	}
	sheet := sk.Sheet
	if sheet == "" {
		sheet = DefaultSheet
	}
	if strings.EqualFold(sk.LinesSheet, sheet) {
		add("$.sink.lines_sheet", fmt.Sprintf("lines_sheet %q is the name of the orders sheet (sink.sheet); Excel needs two names", sk.LinesSheet))
	} else if sk.ParametersSheet && strings.EqualFold(sk.LinesSheet, "Parameter") {
		add("$.sink.lines_sheet", `lines_sheet "Parameter" is the parameters sheet's name`)
	}
}

// Capabilities, checked at compile time.
var (
	_ pipeline.RowPlanner     = (*CSVSink)(nil)
	_ pipeline.Ordered        = (*CSVSink)(nil)
	_ pipeline.FileOutput     = (*CSVSink)(nil)
	_ pipeline.Ordered        = (*XLSXSink)(nil)
	_ pipeline.FileOutput     = (*XLSXSink)(nil)
	_ pipeline.ParameterSink  = (*XLSXSink)(nil)
	_ pipeline.Planner        = (*ERPSink)(nil)
	_ pipeline.Reconciler     = (*ERPSink)(nil)
	_ pipeline.RequestCounter = (*ERPSink)(nil)
	_ pipeline.SizeHinter     = (*ERPSink)(nil)
)

// OutputPath is the file the sink writes.
func (s *CSVSink) OutputPath() string { return s.path }

// OutputPath is the file the sink writes.
func (s *XLSXSink) OutputPath() string { return s.path }

// PlansBeforeWriting: an import compares every record with the Wawi first.
func (s *ERPSink) PlansBeforeWriting() bool { return true }

// wawiClient is the job's connection to the Wawi, nil when it has none.
func wawiClient(env *pipeline.Env) *erp.Client {
	if env == nil {
		return nil
	}
	c, _ := env.Conn.(*erp.Client)
	return c
}
