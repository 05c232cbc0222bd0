package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// ERPSink writes mapped records to the Wawi: sink {type: erp, resource,
// operation}. What it writes and how comes from the resource table of
// package erp (ResourceDef.Import; see the package doc), for example:
//
//	resource            operations               matched by (match_by)
//	items               upsert*, update, create  SKU*, GTIN, another Identifiers field
//	customers           upsert*, update, create  Number*
//	categories          upsert*, update, create  Name*
//	customerGroups      upsert*, update, create  Name*
//	items/descriptions  upsert*, update, create  Item.SKU (or Item.Id) + SalesChannelId + LanguageIso
//	stocks              set*, adjust             item by SKU or ItemId, warehouse by
//	                                             WarehouseId, Warehouse (name) or sink.warehouse
//	salesOrders         create*                  ExternalNumber*, Number
//
// (* the default). Every keyed collection goes through one generic planner
// (keyedSink); stocks and salesOrders have their own. Plan reads and compares, field by field, with what the
// Wawi holds; Apply writes only what differs. Writes carry
// disableAutomaticWorkflows=true unless sink.disable_workflows is false.
// sink.on_missing: skip makes a record whose item is not in the Wawi
// Skipped instead of Failed (update, stocks).
//
// Finding records (sink.lookup): index pages through the whole list once
// (parallel pages) and keeps per record only its id, key and the current
// values of the fields the mapping targets (in a temporary file past 8192
// records, see erp_index_disk.go); search asks a filtered list per
// record and checks the key exactly; auto (default) uses the index when
// TotalItems <= 20 × the records expected (SizeHint, when the runner knows),
// else searches and switches to the index once the records seen make it pay
// (each at most once, whatever the concurrency). Sales orders always search
// by their exact filter.
//
// The sink is not Ordered: records are applied concurrently; two records
// with the same key are serialised by a per-key lock, and what one wrote is
// what the next compares with. A record whose new key an earlier record of
// the run will create plans as an update of that one, so a file with the
// same new SKU twice creates one item. Plans may be made twice (a planning
// pass, then a writing pass): the record that planned a create is
// recognised by its row.
type ERPSink struct {
	c       *erp.Client
	env     *pipeline.Env
	spec    *pipeline.SinkSpec
	def     *erp.ResourceDef
	targets []mappings.Target // as the mapping names them (for errors)
	mode    lookupMode
	// writeQuery goes on every POST and PATCH.
	writeQuery url.Values
	// onMissingSkip: an update that finds nothing is Skipped, not Failed.
	onMissingSkip bool
	lookups       *erp.Lookups
	base          int64
	res           resourceSink
	hint          atomic.Int64
}

// resourceSink is one resource's planning and writing.
type resourceSink interface {
	plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error)
	apply(ctx context.Context, p *pipeline.Plan) error
	sizeHint(n int64)
}

var _ pipeline.Sink = (*ERPSink)(nil)

// OpenERP opens the ERP sink. It checks the spec and the mapping's targets
// against the API's schemas; it does not touch the network.
func OpenERP(ctx context.Context, spec *pipeline.SinkSpec, env *pipeline.Env) (pipeline.Sink, error) {
	c := wawiClient(env)
	if c == nil {
		return nil, errors.New("the erp sink needs a Wawi connection (erp: in the job or WAWI_* variables)")
	}
	def, err := erp.ImportResource(spec.Resource)
	if err != nil {
		return nil, err
	}
	mode, err := parseLookupMode(spec.Lookup)
	if err != nil {
		return nil, fmt.Errorf("sink.%w", err)
	}
	s := &ERPSink{c: c, env: env, spec: spec, def: def, targets: env.Targets, mode: mode,
		lookups: erp.NewLookups(c), base: c.Stats().Requests}
	if spec.DisableWorkflows == nil || *spec.DisableWorkflows {
		s.writeQuery = url.Values{erp.QueryDisableWorkflows: {"true"}}
	}
	switch strings.ToLower(strings.TrimSpace(spec.OnMissing)) {
	case "", "fail":
	case "skip":
		s.onMissingSkip = true
	default:
		return nil, fmt.Errorf("sink.on_missing must be fail or skip, not %q", spec.OnMissing)
	}
	if len(env.Targets) == 0 {
		return nil, errors.New("the erp sink needs mapping fields (targets)")
	}
	product, err := splitProductTargets(s) // erp_product.go: targets of the product's parts
	if err != nil {
		return nil, fmt.Errorf("mapping targets: %w", err)
	}
	if err := mappings.CheckNest(product.itemTargets(s.targets)); err != nil {
		return nil, fmt.Errorf("mapping targets: %w", err)
	}
	op := strings.ToLower(strings.TrimSpace(spec.Operation))
	switch def.Import.Planner {
	case erp.PlannerKeyed:
		if product != nil {
			s.res, err = openProduct(s, op, product)
		} else {
			s.res, err = openKeyed(s, op)
		}
	case erp.PlannerStocks:
		s.res, err = openStocks(ctx, s, op)
	case erp.PlannerSalesOrders:
		s.res, err = openOrders(s, op)
	default:
		err = fmt.Errorf("sink.resource %s: no planner %q", def.Name, def.Import.Planner)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Plan compares the record with the Wawi and says what Apply would do.
func (s *ERPSink) Plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	return s.res.plan(ctx, it)
}

// Apply writes a Created or Updated plan.
func (s *ERPSink) Apply(ctx context.Context, p *pipeline.Plan) error {
	if p == nil || (p.Outcome != pipeline.Created && p.Outcome != pipeline.Updated) {
		return nil
	}
	if d, ok := p.State.(partDeletion); ok { // a product part's prune plan
		return d.applyDelete(ctx)
	}
	return s.res.apply(ctx, p)
}

// ApplyNoted is Apply for a journaled run: note records the write as
// pending right before it is sent. Stock adjustments, which cannot be
// replanned safely, note the level before and the delta; other writes are
// recognised when replanned (the SKU, the order's ExternalNumber, the stock
// level a set aims at) and note nothing.
func (s *ERPSink) ApplyNoted(ctx context.Context, p *pipeline.Plan, note func(detail string) error) error {
	if p == nil || (p.Outcome != pipeline.Created && p.Outcome != pipeline.Updated) {
		return nil
	}
	if st, ok := s.res.(*stockSink); ok && st.adjust {
		return st.applyNoted(ctx, p, note)
	}
	if err := note(""); err != nil {
		return pipeline.Fatal(err)
	}
	return s.res.apply(ctx, p)
}

// Landed says whether a write an interrupted run noted reached the Wawi.
// Only stock adjustments note details; for any other write it reports
// false, and the record's fresh plan (made against the Wawi as it is now)
// decides.
func (s *ERPSink) Landed(ctx context.Context, p *pipeline.Plan, detail string) (bool, error) {
	if st, ok := s.res.(*stockSink); ok && st.adjust && detail != "" {
		return st.landedAfterCrash(ctx, p, detail)
	}
	return false, nil
}

var _ pipeline.Reconciler = (*ERPSink)(nil)

// Close has nothing to flush: every write is done by Apply. It removes the
// indexes' spill files.
func (s *ERPSink) Close(ctx context.Context, commit bool) error {
	if c, ok := s.res.(interface{ close() }); ok {
		c.close()
	}
	return nil
}

// Requests is the number of API requests of the client since the sink
// opened. The client is shared, so ERP lookups of the mapping and anything
// else using it in the meantime are included.
func (s *ERPSink) Requests() int64 { return s.c.Stats().Requests - s.base }

// SizeHint tells the sink how many records to expect, when the runner knows
// (a counted file): auto lookup then picks index or search up front instead
// of switching on the way.
func (s *ERPSink) SizeHint(n int64) {
	s.hint.Store(n)
	s.res.sizeHint(n)
}

// writeQueryFor is writeQuery without the parameters the write does not
// declare (categories and customer groups take no
// disableAutomaticWorkflows): the API is not sent what it does not know.
func (s *ERPSink) writeQueryFor(declared []erp.Param) url.Values {
	var q url.Values
	for k, v := range s.writeQuery {
		for _, p := range declared {
			if p.Name == k {
				if q == nil {
					q = url.Values{}
				}
				q[k] = v
			}
		}
	}
	return q
}

// fail is a Failed plan.
func fail(it *pipeline.Item, key string, err error) *pipeline.Plan {
	return &pipeline.Plan{Item: it, Outcome: pipeline.Failed, Key: key, Err: err}
}

// targetFor finds the target an API field path (SKU, ItemPriceData.SalesPriceNet,
// Categories[0].CategoryId, Categories) concerns: the target with that path,
// else one below it, else one above it. canon are the targets' paths in the
// spec's spelling, aligned with s.targets.
func targetFor(targets []mappings.Target, canon []string, field string) (mappings.Target, bool) {
	field = strings.TrimPrefix(strings.TrimPrefix(field, "$."), "$")
	if field == "" {
		return mappings.Target{}, false
	}
	lf := strings.ToLower(field)
	for i, c := range canon {
		if strings.ToLower(c) == lf {
			return targets[i], true
		}
	}
	for i, c := range canon {
		lc := strings.ToLower(c)
		if strings.HasPrefix(lc, lf+".") || strings.HasPrefix(lc, lf+"[") {
			return targets[i], true
		}
	}
	for i, c := range canon {
		lc := strings.ToLower(c)
		if strings.HasPrefix(lf, lc+".") || strings.HasPrefix(lf, lc+"[") {
			return targets[i], true
		}
	}
	return mappings.Target{}, false
}

// apiFieldErr points an API error with ValidationErrors at the first field
// that a target maps (fields sorted); other errors come back unchanged.
// rename maps the API's field names first (line items: "[0].ItemId").
func apiFieldErr(targets []mappings.Target, canon []string, err error, rename func(string) string) error {
	var ae *erp.APIError
	if !errors.As(err, &ae) || len(ae.ValidationErrors) == 0 {
		return err
	}
	fields := make([]string, 0, len(ae.ValidationErrors))
	for f := range ae.ValidationErrors {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		if rename != nil {
			f = rename(f)
		}
		if t, ok := targetFor(targets, canon, f); ok {
			return &FieldError{Field: t.Path, Column: t.Column, Err: err}
		}
	}
	return err
}

// lookupErr turns a failed lookup into a plan or a fatal error: a request
// the server refuses for this key (4xx) fails the record; anything else
// (network, 5xx after retries) stops the run, since the next records would
// fail the same way.
func lookupErr(it *pipeline.Item, key string, err error) (*pipeline.Plan, error) {
	if runFatal(err) {
		return nil, pipeline.Fatal(err)
	}
	if erp.IsPermanent(err) {
		return fail(it, key, err), nil
	}
	if unavailable(err) {
		return nil, pipeline.Fatal(err)
	}
	return nil, err
}

// wrapWriteErr marks write errors that must stop the run: credentials
// refused, the Wawi unavailable. The rest fail the record.
func wrapWriteErr(err error) error {
	if erp.IsAuth(err) || unavailable(err) || runFatal(err) {
		return pipeline.Fatal(err)
	}
	return err
}

// runFatal reports an error that concerns the whole run by erp's method
// set: credentials refused, the API route missing (a wrong WAWI_URL), the
// Wawi unavailable beyond the retry budget.
func runFatal(err error) bool {
	var rf interface{ RunFatal() bool }
	return errors.As(err, &rf) && rf.RunFatal()
}

// unavailable reports an error the client gave up retrying: the Wawi
// answered 5xx or 429 (or could not be reached) for longer than the
// retry budget, also while checking whether a write landed. Every next
// record would wait as long and fail the same way, so the run stops.
func unavailable(err error) bool {
	if erp.IsRetryable(err) {
		return true
	}
	var uo *erp.UnknownOutcomeError
	return errors.As(err, &uo) && uo.CheckErr != nil && erp.IsRetryable(uo.CheckErr)
}
