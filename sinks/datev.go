package sinks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"

	"github.com/wawi-etl/etl/datev"
	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/internal/suggest"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// DATEV writes bookings as DATEV Buchungsstapel files (EXTF, see package
// datev). It has no extension to be inferred from: a job names type datev.
var DATEV = pipeline.SinkType{Name: "datev", Open: OpenDATEV, WritesFile: true, Check: checkDATEVSpec}

// DATEVTargets are the mapping targets the datev sink takes, named after
// the DATEV columns they fill. Umsatz, Konto, Gegenkonto and Belegdatum are
// required.
//
//	Umsatz        amount (decimal); a negative amount flips SollHaben
//	SollHaben     S (debit Konto, the default) or H
//	WKZUmsatz     currency of Umsatz when it is not EUR
//	Konto         account, digits (personal accounts one digit longer)
//	Gegenkonto    contra account
//	BUSchluessel  BU-Schlüssel (tax key), up to 4 digits
//	Belegdatum    document date (date); it picks the month's file
//	Belegfeld1    document number (≤ 36; letters, digits, $&%*+-/)
//	Belegfeld2    second reference, e.g. a due date (≤ 12)
//	Skonto        cash discount amount
//	Buchungstext  booking text (≤ 60)
//	KOST1, KOST2  cost centres
//	EULandUStID   EU country and VAT id of the recipient
//	Leistungsdatum date of supply (date)
var DATEVTargets = []string{"Umsatz", "SollHaben", "WKZUmsatz", "Konto", "Gegenkonto", "BUSchluessel",
	"Belegdatum", "Belegfeld1", "Belegfeld2", "Skonto", "Buchungstext", "KOST1", "KOST2", "EULandUStID", "Leistungsdatum"}

var datevRequired = []string{"Umsatz", "Konto", "Gegenkonto", "Belegdatum"}

// DATEVSink writes one file per month of Belegdatum, and another for the
// same month after each datev.MaxBookings bookings: sink.path
// out/EXTF_Buchungsstapel.csv gives out/EXTF_Buchungsstapel_202601_1.csv,
// ..._202601_2.csv, ..._202602_1.csv. Each file's period is its month.
//
// Every file is written to a temporary file, checked with datev.Check as
// it is written (read back from the temporary file as the writer hands
// its lines to it, the rest at Close) and renamed into place only when
// every file passes; a failed check or run leaves none of them.
type DATEVSink struct {
	dir, stem string
	base      datev.Header // the header without period and fiscal year
	fyMonth   time.Month   // the month fiscal years start in
	targets   []mappings.Target
	dry       bool
	log       *slog.Logger

	maxPerFile int                // datev.MaxBookings; smaller in tests
	open       map[int]*datevFile // by yyyymm, the file being filled
	all        []*datevFile       // in the order they were opened
	closed     bool
	committed  bool
	// syncs are the files' syncs in flight (syncFiles)
	syncs *errgroup.Group

	// docs is set in document mode (sink.datev.accounts): records are
	// document lines, booked by the sink (datev_docs.go).
	docs *datevDocs

	// beforeCheckRead, when set (tests), runs before each read of a file's
	// check
	beforeCheckRead func()
}

type datevFile struct {
	month int // yyyymm
	part  int
	tmp   *atomicfile.File
	w     *datev.Writer
	deb   *datev.DebitorWriter // instead of w: the debitors of document mode
	// chk checks a booking file as it is written (datev_check.go); checked
	// says it is done, with the file's violations
	chk        *fileCheck
	checked    bool
	violations []datev.Violation
	syncing    bool // its sync was started (syncFiles)
}

func (f *datevFile) flush() error {
	if f.deb != nil {
		return f.deb.Flush()
	}
	return f.w.Flush()
}

// datevLine is a planned booking: its month and its encoded line.
type datevLine struct {
	month int
	line  []byte
	notes []datev.Note
}

var (
	_ pipeline.Sink       = (*DATEVSink)(nil)
	_ pipeline.Ordered    = (*DATEVSink)(nil)
	_ pipeline.FileOutput = (*DATEVSink)(nil)
)

// OpenDATEV opens a datev sink; files are created as bookings for their
// month arrive.
func OpenDATEV(ctx context.Context, spec *pipeline.SinkSpec, env *pipeline.Env) (pipeline.Sink, error) {
	path, err := outputPath(spec.Path, env)
	if err != nil {
		return nil, err
	}
	if msg := datevPathProblem(path); msg != "" {
		return nil, errors.New(msg)
	}
	ds := spec.DATEV
	if ds == nil {
		return nil, errors.New("sink.datev is required: consultant, client and fiscal_year_start")
	}
	fy, err := time.Parse("2006-01-02", ds.FiscalYearStart)
	if err != nil || fy.Day() != 1 {
		return nil, fmt.Errorf("sink.datev.fiscal_year_start %q: want the first day of a month as yyyy-mm-dd", ds.FiscalYearStart)
	}
	s := &DATEVSink{
		dir: filepath.Dir(path), stem: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)),
		fyMonth: fy.Month(), targets: env.Targets, dry: env.DryRun, log: env.Logger,
		open: map[int]*datevFile{}, maxPerFile: datev.MaxBookings,
		base: datev.Header{
			Created: time.Now(), Beraternummer: ds.Consultant, Mandantennummer: ds.Client,
			Sachkontenlaenge: ds.AccountLength, Bezeichnung: ds.Description, Diktatkuerzel: ds.Dictation,
			Festschreibung: ds.Locked, Chart: datev.Chart(strings.ToUpper(ds.Chart)), ExportiertVon: "etl",
		},
	}
	if s.base.Sachkontenlaenge == 0 {
		s.base.Sachkontenlaenge = 4
	}
	// the header's own rules, checked once with a period that passes
	probe := s.header(fy.Year()*100 + int(fy.Month()))
	if err := probe.Validate(); err != nil {
		return nil, fmt.Errorf("sink.datev: %w", err)
	}
	if _, err := datev.Encode(datev.FormatHeader(&probe)); err != nil {
		return nil, fmt.Errorf("sink.datev: description or dictation: %w", err)
	}
	if ds.Accounts != nil {
		if s.docs, err = openDATEVDocs(ds, env, s.base.Chart, s.base.Sachkontenlaenge); err != nil {
			return nil, err
		}
		return s, nil
	}
	have := map[string]bool{}
	for _, t := range env.Targets {
		have[t.Path] = true
	}
	known := map[string]bool{}
	for _, n := range DATEVTargets {
		known[n] = true
	}
	for _, t := range env.Targets {
		if !known[t.Path] {
			return nil, fmt.Errorf("datev sink: target %q is not a DATEV column this sink writes (%s)", t.Path, strings.Join(DATEVTargets, ", "))
		}
	}
	for _, n := range datevRequired {
		if !have[n] {
			return nil, fmt.Errorf("datev sink: the mapping has no target %s (required: %s)", n, strings.Join(datevRequired, ", "))
		}
	}
	return s, nil
}

// datevPathProblem: DATEV recognises its import files by the name EXTF_….csv.
func datevPathProblem(path string) string {
	b := filepath.Base(path)
	if !strings.HasPrefix(b, "EXTF_") || !strings.EqualFold(filepath.Ext(b), ".csv") {
		return fmt.Sprintf("sink.path %q: a DATEV file is named EXTF_….csv (e.g. EXTF_Buchungsstapel.csv; the sink adds _YYYYMM_n)", b)
	}
	return ""
}

// checkDATEVSpec: what etl validate can say before a run.
func checkDATEVSpec(job *pipeline.Job, add func(path, msg string)) {
	noLinesSheet("")(job, add)
	sk := &job.Sink
	if sk.DATEV == nil {
		add("$.sink", "sink.datev is missing (consultant, client, fiscal_year_start)")
	}
	if sk.Path != "" {
		if msg := datevPathProblem(sk.Path); msg != "" {
			add("$.sink.path", msg)
		}
	}
	names, what := DATEVTargets, "a DATEV column the datev sink writes"
	if sk.DATEV != nil && sk.DATEV.Accounts != nil {
		// document mode reads document fields, not booking columns
		names, what = DATEVDocumentTargets, "a document field the datev sink reads with accounts"
		checkDATEVAccounts(job, add)
	} else if sk.DATEV != nil && (sk.DATEV.Period != nil || sk.DATEV.Debitors) {
		add("$.sink.datev", "period and debitors apply to document mode: set sink.datev.accounts")
	}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	for i, f := range job.Mapping.Fields {
		if !known[f.Target] {
			add(fmt.Sprintf("$.mapping.fields[%d].target", i), fmt.Sprintf("%q is not %s (%s)", f.Target, what, strings.Join(names, ", "))+
				suggest.Hint(f.Target, names, func(s string) string { return fmt.Sprintf("did you mean %q?", s) }))
		}
	}
}

// header is the header of the file for month (yyyymm): the period is the
// month, the fiscal year the one the month falls in.
func (s *DATEVSink) header(month int) datev.Header {
	h := s.base
	y, m := month/100, time.Month(month%100)
	h.DatumVom = time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	h.DatumBis = h.DatumVom.AddDate(0, 1, -1)
	fy := y
	if m < s.fyMonth {
		fy--
	}
	h.WJBeginn = time.Date(fy, s.fyMonth, 1, 0, 0, 0, 0, time.UTC)
	return h
}

// Ordered implements pipeline.Ordered: bookings keep input order in their file.
func (s *DATEVSink) Ordered() bool { return true }

// Plan turns the values into a booking line; the record fails when DATEV
// would refuse it. Values changed to fit (see datev.Note) are the plan's
// changes.
func (s *DATEVSink) Plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	if err := checkValues(it, s.targets); err != nil {
		return nil, err
	}
	p := &pipeline.Plan{Item: it, Outcome: pipeline.Created}
	fail := func(target string, err error) (*pipeline.Plan, error) { return s.failPlan(p, target, err) }
	if s.docs != nil {
		return s.planLine(it, fail, p)
	}
	var b datev.Booking
	for i, t := range s.targets {
		v := it.Values[i]
		var err error
		switch t.Path {
		case "Umsatz":
			b.Umsatz, err = datevDecimal(v)
		case "Skonto":
			var d decimal.Decimal
			if !isEmpty(v) {
				d, err = datevDecimal(v)
				b.Skonto = decimal.NullDecimal{Decimal: d, Valid: err == nil}
			}
		case "Belegdatum":
			b.Belegdatum, err = datevDate(v)
		case "Leistungsdatum":
			if !isEmpty(v) {
				b.Leistungsdatum, err = datevDate(v)
			}
		default:
			*datevText(&b, t.Path) = datevString(v)
		}
		if err != nil {
			return fail(t.Path, err)
		}
	}
	if b.Belegdatum.IsZero() {
		return fail("Belegdatum", errors.New("Belegdatum is empty"))
	}
	month := b.Belegdatum.Year()*100 + int(b.Belegdatum.Month())
	h := s.header(month)
	line, notes, err := datev.FormatBooking(&h, &b)
	if err != nil {
		return fail(datevTargetOf(err), err)
	}
	enc, err := datev.Encode(line)
	if err != nil {
		return fail("Buchungstext", err)
	}
	for _, n := range notes {
		p.Changes = append(p.Changes, pipeline.Change{Field: n.Column, Old: n.Old, New: n.New})
	}
	p.Key = b.Belegfeld1
	p.State = &datevLine{month: month, line: enc, notes: notes}
	return p, nil
}

// failPlan makes p the plan of a record that fails on target.
func (s *DATEVSink) failPlan(p *pipeline.Plan, target string, err error) (*pipeline.Plan, error) {
	col := ""
	for _, t := range s.targets {
		if t.Path == target {
			col = t.Column
		}
	}
	p.Outcome, p.Err = pipeline.Failed, &FieldError{Field: target, Column: col, Err: err}
	return p, nil
}

// datevTargetOf names the target an error of datev.FormatBooking is about:
// its message starts with the DATEV column name.
func datevTargetOf(err error) string {
	msg := err.Error()
	for _, p := range []struct{ prefix, target string }{
		{"Soll/Haben", "SollHaben"}, {"WKZ", "WKZUmsatz"}, {"Gegenkonto", "Gegenkonto"}, {"Konto", "Konto"},
		{"BU-", "BUSchluessel"}, {"Belegdatum", "Belegdatum"}, {"Belegfeld 1", "Belegfeld1"}, {"Skonto", "Skonto"},
	} {
		if strings.HasPrefix(msg, p.prefix) {
			return p.target
		}
	}
	return "Umsatz"
}

func datevText(b *datev.Booking, target string) *string {
	switch target {
	case "SollHaben":
		return &b.SollHaben
	case "WKZUmsatz":
		return &b.WKZUmsatz
	case "Konto":
		return &b.Konto
	case "Gegenkonto":
		return &b.Gegenkonto
	case "BUSchluessel":
		return &b.BUSchluessel
	case "Belegfeld1":
		return &b.Belegfeld1
	case "Belegfeld2":
		return &b.Belegfeld2
	case "Buchungstext":
		return &b.Buchungstext
	case "KOST1":
		return &b.KOST1
	case "KOST2":
		return &b.KOST2
	case "EULandUStID":
		return &b.EULandUStID
	}
	var unused string // OpenDATEV refused other targets
	return &unused
}

func isEmpty(v any) bool {
	if v == nil || isNilPointer(v) {
		return true
	}
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) == ""
}

func datevString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case decimal.Decimal:
		return v.String()
	}
	if isNilPointer(v) {
		return ""
	}
	return fmt.Sprint(v)
}

// datevDecimal takes a decimal, an integer or text with a decimal point or
// comma (1234.56, 1234,56); never a float.
func datevDecimal(v any) (decimal.Decimal, error) {
	switch v := v.(type) {
	case decimal.Decimal:
		return v, nil
	case *decimal.Decimal:
		if v != nil {
			return *v, nil
		}
	case int64:
		return decimal.NewFromInt(v), nil
	case string:
		t := strings.TrimSpace(v)
		if strings.Contains(t, ",") && !strings.Contains(t, ".") {
			t = strings.Replace(t, ",", ".", 1)
		}
		d, err := decimal.NewFromString(t)
		if err != nil {
			return decimal.Zero, fmt.Errorf("%q is not an amount (1234.56 or 1234,56)", v)
		}
		return d, nil
	}
	if isEmpty(v) {
		return decimal.Zero, errors.New("the amount is empty")
	}
	return decimal.Zero, fmt.Errorf("%v (%T) is not an amount: map it with type: decimal", v, v)
}

// datevDate takes a date, or text as yyyy-mm-dd or dd.mm.yyyy.
func datevDate(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case *time.Time:
		if v != nil {
			return *v, nil
		}
	case string:
		t := strings.TrimSpace(v)
		for _, l := range []string{"2006-01-02", "02.01.2006"} {
			if d, err := time.Parse(l, t); err == nil {
				return d, nil
			}
		}
		if t == "" {
			return time.Time{}, errors.New("the date is empty")
		}
		return time.Time{}, fmt.Errorf("%q is not a date (yyyy-mm-dd or dd.mm.yyyy; or map it with type: date)", v)
	}
	return time.Time{}, fmt.Errorf("%v (%T) is not a date: map it with type: date", v, v)
}

// Apply appends the line to its month's file, opening the file (or the
// month's next one, after datev.MaxBookings) first.
func (s *DATEVSink) Apply(ctx context.Context, p *pipeline.Plan) error {
	if l, ok := p.State.(*docLine); ok && s.docs != nil {
		if s.dry {
			return pipeline.Fatal(errors.New("datev sink: opened for a dry run"))
		}
		return s.applyLine(p, l)
	}
	l, ok := p.State.(*datevLine)
	if !ok {
		return pipeline.Fatal(errors.New("internal: datev sink got a plan it did not make"))
	}
	if s.dry {
		return pipeline.Fatal(errors.New("datev sink: opened for a dry run"))
	}
	if err := s.writeLine(l.month, l.line); err != nil {
		return err
	}
	if s.log != nil {
		for _, n := range l.notes {
			s.log.Warn("datev: value changed to fit", "row", p.Item.Rec.Row, "column", n.Column, "reason", n.Reason, "new", n.New)
		}
	}
	return nil
}

// writeLine appends an encoded booking to its month's file, opening the
// file (or the month's next one, after datev.MaxBookings) first.
func (s *DATEVSink) writeLine(month int, line []byte) error {
	f := s.open[month]
	if f == nil || f.w.Len() >= s.maxPerFile {
		part := 1
		if f != nil {
			part = f.part + 1
			// full: no line follows, so its check can end now
			if err := f.flush(); err != nil {
				return outputError(fmt.Errorf("%s: %w", f.tmp.Path(), err))
			}
			f.chk.complete()
		}
		var err error
		if f, err = s.newFile(month, part); err != nil {
			return outputError(err)
		}
	}
	if err := f.w.WriteLine(line); err != nil {
		return outputError(fmt.Errorf("%s: %w", f.tmp.Path(), err))
	}
	return nil
}

func (s *DATEVSink) newFile(month, part int) (*datevFile, error) {
	path := filepath.Join(s.dir, fmt.Sprintf("%s_%06d_%d.csv", s.stem, month, part))
	tmp, err := createTemp(path)
	if err != nil {
		return nil, err
	}
	chk := startFileCheck(tmp.TempName(), s.beforeCheckRead)
	w, err := datev.NewWriter(checkedWriter{tmp, chk}, s.header(month))
	if err != nil {
		chk.abort()
		discardTemp(tmp)
		return nil, err
	}
	f := &datevFile{month: month, part: part, tmp: tmp, w: w, chk: chk}
	s.open[month] = f
	s.all = append(s.all, f)
	return f, nil
}

// OutputPath implements pipeline.FileOutput: the files written, in name
// (month) order, for the summary.
func (s *DATEVSink) OutputPath() string {
	if !s.committed {
		return ""
	}
	var out []string
	for _, f := range s.all {
		out = append(out, f.tmp.Path())
	}
	if s.docs != nil {
		out = append(out, s.controlPath())
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// Close checks every file with datev.Check and renames them into place, or
// removes them all.
func (s *DATEVSink) Close(ctx context.Context, commit bool) error {
	if s.closed {
		return nil
	}
	s.closed = true
	discardAll := func() {
		s.waitSyncs() // no file is removed while it is synced
		for _, f := range s.all {
			if f.chk != nil {
				f.chk.abort()
			}
			discardTemp(f.tmp)
		}
	}
	if !commit {
		discardAll()
		return nil
	}
	if s.dry {
		return errors.New("datev sink: a dry run cannot commit")
	}
	if s.docs != nil {
		if err := s.closeDocs(); err != nil {
			discardAll()
			return err
		}
	}
	if err := s.finishChecks(); err != nil {
		discardAll()
		return err
	}
	for _, f := range s.all {
		vs := f.violations
		if !f.checked { // the debitors, written at the end
			if err := f.flush(); err != nil {
				discardAll()
				return outputError(fmt.Errorf("%s: %w", f.tmp.Path(), err))
			}
			data, err := os.ReadFile(f.tmp.TempName())
			if err != nil {
				discardAll()
				return outputError(err)
			}
			vs = datev.Check(data)
		}
		if len(vs) > 0 {
			discardAll()
			msgs := make([]string, 0, 3)
			for i, v := range vs {
				if i == 3 {
					msgs = append(msgs, fmt.Sprintf("and %d more", len(vs)-3))
					break
				}
				msgs = append(msgs, filepath.Base(f.tmp.Path())+":"+v.String())
			}
			return outputError(fmt.Errorf("datev sink: the file breaks DATEV's rules, nothing was written: %s", strings.Join(msgs, "; ")))
		}
	}
	s.syncFiles(func(*datevFile) bool { return true })
	if err := s.waitSyncs(); err != nil {
		discardAll()
		return err
	}
	// Commit only renames them; their folder is synced once
	tmps := make([]*atomicfile.File, len(s.all))
	for i, f := range s.all {
		tmps[i] = f.tmp
	}
	if err := atomicfile.CommitAll(tmps...); err != nil {
		return outputError(err)
	}
	s.committed = true
	return nil
}

// syncFiles starts syncing the files that final accepts and whose sync has
// not started, all at once while the caller goes on (one after the other,
// each sync waited for the disk on its own). A file must not be written
// after its sync started. waitSyncs waits for them.
func (s *DATEVSink) syncFiles(final func(*datevFile) bool) {
	for _, f := range s.all {
		if f.syncing || !final(f) {
			continue
		}
		if s.syncs == nil {
			s.syncs = &errgroup.Group{}
			s.syncs.SetLimit(8)
		}
		f.syncing = true
		s.syncs.Go(func() error {
			if err := f.tmp.Sync(); err != nil {
				return outputError(fmt.Errorf("%s: %w", f.tmp.Path(), err))
			}
			return nil
		})
	}
}

// waitSyncs waits for the syncs syncFiles started and returns the first
// error.
func (s *DATEVSink) waitSyncs() error {
	g := s.syncs
	if g == nil {
		return nil
	}
	s.syncs = nil
	return g.Wait()
}
