package sinks

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/datev"
	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/pipeline"
)

// DATEVDocumentTargets are the mapping targets of the datev sink in
// document mode (sink.datev.accounts set), named as the Wawi's
// accountingData names its fields. Each record is one line of a document
// (an AccountDataLineItem with its document's fields); consecutive records
// with the same DocumentNumber and Type are one document.
//
//	DocumentNumber        document number → Belegfeld 1 (required)
//	DocumentDate          document date → Belegdatum (required)
//	Type                  0..7 or Invoice, Credit, InvoiceCorrection,
//	                      InvoiceCancellation, CreditCancellation, ... (default Invoice)
//	ReferenceNumber       the invoice a credit note or cancellation refers to
//	SalesOrderNumber      the sales order, named in the booking text of a
//	                      reversal without ReferenceNumber
//	CustomerNumber        picks the debitor with per_customer
//	DebitorAccount        the debitor the source names; before the rules
//	Company, FirstName, LastName  the customer's name (booking text, debitor file)
//	Street, PostalCode, City, BillingCountry, EmailAddress  the debitor file's address
//	CustomerVatId         VAT id: an intra-EU delivery needs it
//	ShipmentCountry       destination country (ISO code), default home
//	CurrencyIso           currency of the amounts; default EUR
//	VatRate               the line's rate in percent (required)
//	TotalNetAmount, VatAmount, TotalGrossAmount  the line's amounts (required)
//	GeneralLedgerAccount  the line's revenue account, where the Wawi has one
//	SortOrder             the line's position: a position seen twice starts
//	                      the document again, which the check reports as a duplicate
var DATEVDocumentTargets = []string{"SortOrder", "DocumentNumber", "DocumentDate", "Type", "ReferenceNumber", "SalesOrderNumber",
	"CustomerNumber", "DebitorAccount", "Company", "FirstName", "LastName", "Street", "PostalCode", "City", "BillingCountry", "EmailAddress",
	"CustomerVatId", "ShipmentCountry", "CurrencyIso", "VatRate", "TotalNetAmount", "VatAmount", "TotalGrossAmount", "GeneralLedgerAccount"}

var datevDocumentRequired = []string{"DocumentNumber", "DocumentDate", "VatRate", "TotalNetAmount", "VatAmount", "TotalGrossAmount"}

// datevDocs is the document mode's state. Lines arrive in input order
// (Apply); a document is booked when its last line is in.
type datevDocs struct {
	accounts datev.Accounts
	debitors datev.Debitors
	control  *datev.Control
	writeDeb bool

	cur       *datev.Document
	curPos    map[string]bool // SortOrder values of the current document's lines
	curRow    int
	curDocOrd int   // Record.Document of the current document's lines
	nextSeq   int64 // the Seq the next applied record must have
	// maxSeq is the largest Seq planned: a record planned but never
	// applied (it failed) at the end of the input is missing too.
	maxSeq atomic.Int64

	booker *datev.Booker
	doc    datev.Document // what cur points to
	// the month and header of the document being booked, and write, the
	// booker's writer of its lines
	month int
	h     datev.Header
	write func(line []byte, notes []datev.Note) error

	customers map[string]*debitorInfo // by debitor account, the first document's customer
	order     []string                // debitor accounts in first-use order

	fields []docField // what each target fills

	// the records that failed (the first maxNamedFails by Seq), so that
	// the check names their documents; Plan may run concurrently
	failMu sync.Mutex
	fails  []docFail
}

// docFail is a record that failed: its document and why.
type docFail struct {
	seq         int64
	row         int
	number, why string
}

// maxNamedFails bounds the failed records the check names one by one.
const maxNamedFails = 20

// failed records a failed record of document number (as far as it was
// read) for the check.
func (d *datevDocs) failed(it *pipeline.Item, number, target string, err error) {
	d.failMu.Lock()
	defer d.failMu.Unlock()
	f := docFail{seq: it.Rec.Seq, row: it.Rec.Row, number: strings.Clone(number), why: target + ": " + err.Error()}
	i := sort.Search(len(d.fails), func(i int) bool { return d.fails[i].seq > f.seq })
	if i == maxNamedFails {
		return
	}
	d.fails = append(d.fails, docFail{})
	copy(d.fails[i+1:], d.fails[i:])
	d.fails[i] = f
	if len(d.fails) > maxNamedFails {
		d.fails = d.fails[:maxNamedFails]
	}
}

// docLine is a planned line: the values of one record, typed.
type docLine struct {
	number, reference, order, customerNo, debitorFrom, pos string
	typText, glAccount                                     string // as mapped
	date                                                   time.Time
	typ                                                    datev.DocType
	customer                                               debitorInfo
	currency                                               string
	line                                                   datev.Line
	debitor                                                string
	docOrd                                                 int
	// noLine: the record is a document without lines (the ERP source's
	// record of a document whose AccountDataLineItems are empty)
	noLine bool
}

type debitorInfo struct {
	collective                                                                                     bool // the Sammeldebitor: no one customer's name
	Account, Number, Company, FirstName, LastName, Street, PostalCode, City, Country, VATID, Email string
}

func (c *debitorInfo) name() string {
	if c.Company != "" {
		return c.Company
	}
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

// openDATEVDocs checks the accounts spec and the targets of document mode.
func openDATEVDocs(ds *pipeline.DATEVSpec, env *pipeline.Env, chart datev.Chart, accountLength int) (*datevDocs, error) {
	as := ds.Accounts
	d := &datevDocs{writeDeb: ds.Debitors, customers: map[string]*debitorInfo{}}
	c := datev.Chart(strings.ToUpper(as.Chart))
	switch {
	case c == "":
		c = chart
	case chart != "" && c != chart:
		return nil, fmt.Errorf("sink.datev.accounts.chart %s differs from sink.datev.chart %s", c, chart)
	}
	if c != "" && c != datev.SKR03 && c != datev.SKR04 {
		return nil, fmt.Errorf("sink.datev.accounts.chart %q: SKR03 or SKR04", as.Chart)
	}
	d.accounts = datev.Accounts{Chart: c, Home: as.HomeCountry, NoOSS: as.OSS != nil && !*as.OSS,
		IgnoreSource: as.FromSource != nil && !*as.FromSource}
	for i, r := range as.Rules {
		rule := datev.Rule{Countries: r.Country, VATID: r.VATID, CreditNote: r.CreditNote, Account: strconv.Itoa(r.Account)}
		if r.Rate != "" {
			rate, err := decimal.NewFromString(strings.Replace(strings.TrimSpace(r.Rate), ",", ".", 1))
			if err != nil {
				return nil, fmt.Errorf("sink.datev.accounts.rules[%d].rate %q is not a number", i, r.Rate)
			}
			rule.Rate = &rate
		}
		if r.Account <= 0 || len(rule.Account) > accountLength {
			return nil, fmt.Errorf("sink.datev.accounts.rules[%d].account %d: a revenue account of at most %d digits (Sachkontenlänge)", i, r.Account, accountLength)
		}
		d.accounts.Rules = append(d.accounts.Rules, rule)
	}
	deb := as.Debitor
	lo, hi := int64(1)*pow10(accountLength), 7*pow10(accountLength)-1 // 10000..69999 for length 4
	if deb.Collective != 0 {
		if int64(deb.Collective) < lo || int64(deb.Collective) >= pow10(accountLength+1) {
			return nil, fmt.Errorf("sink.datev.accounts.debitor.collective %d: a personal account has %d digits (Sachkontenlänge + 1), e.g. %d", deb.Collective, accountLength+1, lo)
		}
		d.debitors.Collective = strconv.Itoa(deb.Collective)
	}
	if deb.PerCustomer {
		d.debitors.PerCustomer, d.debitors.First, d.debitors.Last = true, int64(deb.First), int64(deb.Last)
		if d.debitors.First == 0 {
			d.debitors.First = lo
		}
		if d.debitors.Last == 0 {
			d.debitors.Last = hi
		}
		if d.debitors.First < lo || d.debitors.Last >= pow10(accountLength+1) || d.debitors.First > d.debitors.Last {
			return nil, fmt.Errorf("sink.datev.accounts.debitor: first %d and last %d must be personal accounts of %d digits, first ≤ last", d.debitors.First, d.debitors.Last, accountLength+1)
		}
	}
	have := map[string]bool{}
	for _, t := range env.Targets {
		have[t.Path] = true
	}
	if !deb.PerCustomer && deb.Collective == 0 && !have["DebitorAccount"] {
		return nil, errors.New("sink.datev.accounts.debitor: set collective (a Sammeldebitor such as 10000) or per_customer: true, or map DebitorAccount")
	}
	if deb.PerCustomer && !have["CustomerNumber"] && !have["DebitorAccount"] {
		return nil, errors.New("sink.datev.accounts.debitor.per_customer needs a CustomerNumber target in the mapping")
	}
	known := map[string]bool{}
	for _, n := range DATEVDocumentTargets {
		known[n] = true
	}
	for _, t := range env.Targets {
		if !known[t.Path] {
			return nil, fmt.Errorf("datev sink (accounts): target %q is not a document field this sink reads (%s)", t.Path, strings.Join(DATEVDocumentTargets, ", "))
		}
	}
	for _, n := range datevDocumentRequired {
		if !have[n] {
			return nil, fmt.Errorf("datev sink (accounts): the mapping has no target %s (required: %s)", n, strings.Join(datevDocumentRequired, ", "))
		}
	}
	var from, to time.Time
	if p := ds.Period; p != nil {
		var err error
		if from, to, err = datevPeriod(p, env); err != nil {
			return nil, err
		}
	}
	d.control = datev.NewControl(from, to)
	d.booker = datev.NewBooker(d.control)
	d.maxSeq.Store(-1)
	d.fields = make([]docField, len(env.Targets))
	for i, t := range env.Targets {
		d.fields[i] = docFields[t.Path]
	}
	return d, nil
}

// checkDATEVAccounts: what etl validate can say of sink.datev.accounts
// before a run (OpenDATEV checks the rest with the mapping).
func checkDATEVAccounts(job *pipeline.Job, add func(path, msg string)) {
	ds := job.Sink.DATEV
	as := ds.Accounts
	mapped := map[string]bool{}
	for _, f := range job.Mapping.Fields {
		mapped[f.Target] = true
	}
	if as.Chart == "" && ds.Chart == "" && len(as.Rules) == 0 {
		add("$.sink.datev.accounts", "no chart (SKR03, SKR04) and no rules: no revenue account but the source's GeneralLedgerAccount")
	}
	if as.Debitor.Collective == 0 && !as.Debitor.PerCustomer && !mapped["DebitorAccount"] {
		add("$.sink.datev.accounts.debitor", "set collective (a Sammeldebitor such as 10000) or per_customer: true")
	}
	for i, r := range as.Rules {
		if r.Rate != "" {
			if _, err := decimal.NewFromString(strings.Replace(strings.TrimSpace(r.Rate), ",", ".", 1)); err != nil {
				add(fmt.Sprintf("$.sink.datev.accounts.rules[%d].rate", i), fmt.Sprintf("%q is not a number", r.Rate))
			}
		}
		if r.Account <= 0 {
			add(fmt.Sprintf("$.sink.datev.accounts.rules[%d].account", i), "a rule needs the revenue account it gives")
		}
	}
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// DateResolver resolves a date of sink.datev.period, relative ones such as
// "start of last month" included, to a calendar day in loc. cmd/etl sets it
// to the sources' parser (sources.ParseRelDate): sinks cannot import
// sources, whose tests import sinks. Unset, the period takes absolute dates
// only (2026-01-31, 31.01.2026).
var DateResolver func(expr string, now time.Time, loc *time.Location) (time.Time, error)

// datevPeriod resolves sink.datev.period as the source resolves its date
// filters: in the merchant's time zone, relative dates against now.
func datevPeriod(p *pipeline.DATEVPeriodSpec, env *pipeline.Env) (time.Time, time.Time, error) {
	tz := p.TimeZone
	if tz == "" {
		tz = "Europe/Berlin" // the sources' default
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("sink.datev.period.time_zone %q: %w", tz, err)
	}
	now := time.Now()
	if env.Now != nil {
		now = env.Now()
	}
	var days [2]time.Time
	for i, e := range []struct{ name, v string }{{"from", p.From}, {"to", p.To}} {
		var day time.Time
		if DateResolver != nil {
			day, err = DateResolver(e.v, now, loc)
		} else {
			day, err = datevDate(e.v)
		}
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("sink.datev.period.%s %q: %w", e.name, e.v, err)
		}
		days[i] = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	}
	if days[1].Before(days[0]) {
		return time.Time{}, time.Time{}, fmt.Errorf("sink.datev.period: to %s is before from %s", days[1].Format("2006-01-02"), days[0].Format("2006-01-02"))
	}
	return days[0], days[1], nil
}

// docField is what a target of document mode fills in a docLine.
type docField uint8

const (
	dfNone docField = iota
	dfNumber
	dfDate
	dfType
	dfReference
	dfOrder
	dfCustomerNo
	dfDebitorFrom
	dfCompany
	dfFirstName
	dfLastName
	dfStreet
	dfPostalCode
	dfCity
	dfBillingCountry
	dfEmail
	dfVATID
	dfShipmentCountry
	dfCurrency
	dfRate
	dfNet
	dfVAT
	dfGross
	dfGLAccount
	dfPos
)

var docFields = map[string]docField{"DocumentNumber": dfNumber, "DocumentDate": dfDate, "Type": dfType,
	"ReferenceNumber": dfReference, "SalesOrderNumber": dfOrder, "CustomerNumber": dfCustomerNo, "DebitorAccount": dfDebitorFrom,
	"Company": dfCompany, "FirstName": dfFirstName, "LastName": dfLastName, "Street": dfStreet, "PostalCode": dfPostalCode,
	"City": dfCity, "BillingCountry": dfBillingCountry, "EmailAddress": dfEmail, "CustomerVatId": dfVATID,
	"ShipmentCountry": dfShipmentCountry, "CurrencyIso": dfCurrency, "VatRate": dfRate, "TotalNetAmount": dfNet,
	"VatAmount": dfVAT, "TotalGrossAmount": dfGross, "GeneralLedgerAccount": dfGLAccount, "SortOrder": dfPos}

// ofLine: the target is a line's, which a document without lines lacks.
func (f docField) ofLine() bool {
	return f == dfRate || f == dfNet || f == dfVAT || f == dfGross || f == dfGLAccount || f == dfPos
}

// text is the string field a target fills, nil for the typed ones.
func (l *docLine) text(f docField) *string {
	switch f {
	case dfNumber:
		return &l.number
	case dfType:
		return &l.typText
	case dfReference:
		return &l.reference
	case dfOrder:
		return &l.order
	case dfCustomerNo:
		return &l.customerNo
	case dfDebitorFrom:
		return &l.debitorFrom
	case dfCompany:
		return &l.customer.Company
	case dfFirstName:
		return &l.customer.FirstName
	case dfLastName:
		return &l.customer.LastName
	case dfStreet:
		return &l.customer.Street
	case dfPostalCode:
		return &l.customer.PostalCode
	case dfCity:
		return &l.customer.City
	case dfBillingCountry:
		return &l.customer.Country
	case dfEmail:
		return &l.customer.Email
	case dfVATID:
		return &l.customer.VATID
	case dfShipmentCountry:
		return &l.line.Country
	case dfCurrency:
		return &l.currency
	case dfGLAccount:
		return &l.glAccount
	case dfPos:
		return &l.pos
	}
	return nil
}

// amount is the amount a target fills, nil for the others (and the rate).
func (l *docLine) amount(f docField) *datev.Money {
	switch f {
	case dfNet:
		return &l.line.Net
	case dfVAT:
		return &l.line.VAT
	case dfGross:
		return &l.line.Gross
	}
	return nil
}

// setText sets a text field as datevString reads a value: trimmed, the
// codes in upper case.
func (l *docLine) setText(f docField, s string) {
	s = strings.TrimSpace(s)
	switch f {
	case dfBillingCountry, dfShipmentCountry, dfCurrency:
		s = strings.ToUpper(s)
	}
	*l.text(f) = s
}

// set types one value as the target f takes it.
func (l *docLine) set(f docField, v any) error {
	var err error
	switch f {
	case dfNone:
	case dfDate:
		l.date, err = datevDate(v)
	case dfRate:
		l.line.Rate, err = datevDecimal(v)
	case dfNet, dfVAT, dfGross:
		var d decimal.Decimal
		d, err = datevDecimal(v)
		*l.amount(f) = datev.MoneyOf(d)
	default:
		l.setText(f, datevString(v))
	}
	return err
}

// planLine types one record's values and resolves its accounts.
func (s *DATEVSink) planLine(it *pipeline.Item, fail func(string, error) (*pipeline.Plan, error), p *pipeline.Plan) (*pipeline.Plan, error) {
	s.docs.planned(it.Rec.Seq)
	l := &docLine{noLine: it.Rec.Document > 0 && it.Rec.Line == 0}
	for i, t := range s.targets {
		f := s.docs.fields[i]
		if l.noLine && f.ofLine() {
			continue // no line: the document is counted, with nothing to book
		}
		if err := l.set(f, it.Values[i]); err != nil {
			s.docs.failed(it, l.number, t.Path, err)
			return fail(t.Path, err)
		}
	}
	if target, err := s.finishLine(it, l, p); err != nil {
		s.docs.failed(it, l.number, target, err)
		return fail(target, err)
	}
	return p, nil
}

// planned notes the largest Seq planned, for the missing-record check at
// Close.
func (d *datevDocs) planned(seq int64) {
	for {
		old := d.maxSeq.Load()
		if seq <= old || d.maxSeq.CompareAndSwap(old, seq) {
			return
		}
	}
}

// finishLine checks a line whose values are in and resolves its accounts,
// making p its plan; an error names the target it is about.
func (s *DATEVSink) finishLine(it *pipeline.Item, l *docLine, p *pipeline.Plan) (string, error) {
	d := s.docs
	l.docOrd = it.Rec.Document
	l.line.Row = it.Rec.Row
	if l.number == "" {
		return "DocumentNumber", errors.New("the document number is empty")
	}
	if l.date.IsZero() {
		return "DocumentDate", errors.New("the document date is empty")
	}
	var err error
	if l.typ, err = datev.ParseDocType(l.typText); err != nil {
		return "Type", err
	}
	if l.noLine {
		l.debitor, _ = d.debitors.Account(l.debitorFrom, l.customerNo)
		p.Key, p.State = l.number, l
		return "", nil
	}
	if l.currency != "" && l.currency != "EUR" {
		return "CurrencyIso", fmt.Errorf("currency %s: the export books euro amounts (ask the source for amounts in the departure country's currency)", l.currency)
	}
	rev, err := d.accounts.Revenue(datev.Sale{Rate: l.line.Rate, Country: l.line.Country, VATID: l.customer.VATID,
		CreditNote: l.typ.Reverses(), Account: l.glAccount})
	if err != nil {
		return "GeneralLedgerAccount", err
	}
	if msg := accountDigits(rev.Account, s.base.Sachkontenlaenge); msg != "" {
		return "GeneralLedgerAccount", fmt.Errorf("revenue account %q (%s): %s", rev.Account, rev.From, msg)
	}
	l.line.Revenue = rev
	if l.debitor, err = d.debitors.Account(l.debitorFrom, l.customerNo); err != nil {
		return "CustomerNumber", err
	}
	if len(l.debitor) != s.base.Sachkontenlaenge+1 || strings.Trim(l.debitor, "0123456789") != "" || l.debitor[0] == '0' {
		return "DebitorAccount", fmt.Errorf("debitor %q: a personal account has %d digits (Sachkontenlänge + 1)", l.debitor, s.base.Sachkontenlaenge+1)
	}
	if l.line.Country == "" {
		l.line.Country = d.home()
	}
	if _, notes := datev.CleanBelegfeld1(l.number); len(notes) > 0 {
		p.Changes = append(p.Changes, pipeline.Change{Field: notes[0].Column, Old: notes[0].Old, New: notes[0].New})
	}
	p.Key = l.number
	p.State = l
	return "", nil
}

func (d *datevDocs) home() string {
	if d.accounts.Home == "" {
		return "DE"
	}
	return strings.ToUpper(d.accounts.Home)
}

// accountDigits: a general ledger account has digits only, at most
// Sachkontenlänge of them.
func accountDigits(a string, length int) string {
	switch {
	case a == "" || strings.Trim(a, "0123456789") != "":
		return "not a number"
	case len(a) > length:
		return fmt.Sprintf("%d digits; Sachkontenlänge is %d", len(a), length)
	}
	return ""
}

// applyLine adds the line to its document, booking the document before
// when this line starts another.
func (s *DATEVSink) applyLine(p *pipeline.Plan, l *docLine) error {
	d := s.docs
	if seq := p.Item.Rec.Seq; seq != d.nextSeq {
		d.control.Fail("", p.Item.Rec.Row, fmt.Sprintf("%d Datensätze vor Zeile %d fehlen in der Datei (fehlerhaft oder übersprungen, siehe errors.xlsx)", seq-d.nextSeq, p.Item.Rec.Row),
			fmt.Sprintf("records missing from the file before row %d: %d (failed or skipped, see errors.xlsx)", p.Item.Rec.Row, seq-d.nextSeq))
	}
	d.nextSeq = p.Item.Rec.Seq + 1
	if c := d.cur; c != nil && (c.Number != l.number || c.Type != l.typ || d.curDocOrd != l.docOrd || (l.pos != "" && d.curPos[l.pos])) {
		if err := s.bookDocument(); err != nil {
			return err
		}
	}
	if d.cur == nil {
		name := l.customer.name()
		// one Document for all: the check keeps nothing of it but clones
		lines := d.doc.Lines[:0]
		clear(d.doc.Lines) // no line of the last document pinned
		d.doc = datev.Document{Number: l.number, Date: l.date, Type: l.typ, Reference: l.reference, Order: l.order,
			Customer: name, Debitor: l.debitor, Currency: l.currency, Lines: lines}
		d.cur = &d.doc
		d.curRow, d.curDocOrd = p.Item.Rec.Row, l.docOrd
		if d.curPos == nil {
			d.curPos = map[string]bool{}
		}
		clear(d.curPos) // one map for all documents
		// a document without lines books nothing on its debitor
		if _, ok := d.customers[l.debitor]; !ok && !l.noLine {
			ci := l.customer
			ci.Account, ci.Number = l.debitor, l.customerNo
			ci.collective = l.debitorFrom == "" && l.debitor == d.debitors.Collective
			d.customers[l.debitor] = &ci
			d.order = append(d.order, l.debitor)
		}
	}
	if !l.noLine {
		d.cur.Lines = append(d.cur.Lines, l.line)
	}
	if l.pos != "" {
		d.curPos[l.pos] = true
	}
	return nil
}

// bookDocument writes the current document's postings and adds it to the
// completeness check. A posting DATEV would refuse stops the export.
func (s *DATEVSink) bookDocument() error {
	d := s.docs
	doc := d.cur
	if doc == nil {
		return nil
	}
	d.cur = nil
	if month := doc.Date.Year()*100 + int(doc.Date.Month()); month != d.month || d.write == nil {
		d.month, d.h = month, s.header(month)
	}
	if d.write == nil {
		d.write = func(line []byte, notes []datev.Note) error {
			if err := s.writeLine(d.month, line); err != nil {
				return err
			}
			if s.log != nil {
				for _, n := range notes {
					s.log.Warn("datev: value changed to fit", "document", d.doc.Number, "column", n.Column, "reason", n.Reason, "new", n.New)
				}
			}
			return nil
		}
	}
	return d.booker.Book(&d.h, doc, d.curRow, d.write)
}

// closeDocs books the last document and checks the export; it returns
// the error that stops it, wrapping pipeline.ErrGuardrail (exit 1:
// nothing was written), and writes the control workbook in any case.
func (s *DATEVSink) closeDocs() error {
	d := s.docs
	if err := s.bookDocument(); err != nil {
		return err
	}
	if max := d.maxSeq.Load(); max >= d.nextSeq {
		d.control.Fail("", 0, fmt.Sprintf("%d Datensätze am Ende der Eingabe fehlen in der Datei (fehlerhaft, siehe errors.xlsx)", max-d.nextSeq+1),
			fmt.Sprintf("records missing from the file at the end of the input: %d (failed, see errors.xlsx)", max-d.nextSeq+1))
	}
	// the documents of the records that failed, by name
	for _, f := range d.fails {
		d.control.Fail(f.number, f.row, "Datensatz fehlerhaft, nicht gebucht: "+f.why, "record failed, not booked: "+f.why)
	}
	// the files read back, as DATEV will read them, must hold what the
	// check added up: their checks read them as they were written, and
	// read and add up the rest now
	if err := s.finishChecks(); err != nil {
		return err
	}
	// The booking files are complete: they go to disk while the control
	// workbook is written (Close waits for them).
	s.syncFiles(func(f *datevFile) bool { return f.checked })
	sums := map[datev.FileKey]decimal.Decimal{}
	for _, f := range s.all {
		if f.chk == nil {
			continue
		}
		if f.chk.sumErr != nil {
			msg := fmt.Sprintf("%s: %v", filepath.Base(f.tmp.Path()), f.chk.sumErr)
			d.control.Fail("", 0, msg, msg)
		}
		for k, v := range f.chk.sums {
			sums[k] = sums[k].Add(v)
		}
	}
	d.control.CompareFile(sums)
	d.control.Finish()
	if d.control.OK() && d.writeDeb && len(s.all) > 0 {
		if err := s.writeDebitors(); err != nil {
			return err
		}
	}
	info := [][2]string{{"Kontenrahmen", string(d.accounts.Chart)}}
	if d.debitors.PerCustomer {
		info = append(info, [2]string{"Debitoren", fmt.Sprintf("je Kunde %d bis %d (Sammeldebitor %s)", d.debitors.First, d.debitors.Last, d.debitors.Collective)})
	} else if d.debitors.Collective != "" {
		info = append(info, [2]string{"Debitoren", "Sammeldebitor " + d.debitors.Collective})
	}
	if d.control.OK() {
		for _, f := range s.all {
			what := "DATEV-Datei"
			if f.deb != nil {
				what = "Debitoren-Datei"
			}
			info = append(info, [2]string{what, filepath.Base(f.tmp.Path())})
		}
	}
	if err := d.control.WriteWorkbook(s.controlPath(), info, fileOptions); err != nil {
		return outputError(fmt.Errorf("control workbook: %w", err))
	}
	if err := d.control.Err(); err != nil {
		return &datevIncomplete{control: filepath.Base(s.controlPath()), findings: err, findingsEn: d.control.ErrIn(true)}
	}
	return nil
}

// datevIncomplete stops an export that is incomplete or does not add up:
// nothing was written (pipeline.ErrGuardrail). Error says it in English,
// TextIn in German too, with the findings as the control workbook words
// them.
type datevIncomplete struct {
	control              string // the control workbook's file name
	findings, findingsEn error  // German, English
}

func (e *datevIncomplete) Error() string {
	return fmt.Sprintf("%v: the DATEV export is incomplete or does not add up (see %s): %v", pipeline.ErrGuardrail, e.control, e.findingsEn)
}

func (e *datevIncomplete) Unwrap() error { return pipeline.ErrGuardrail }

func (e *datevIncomplete) TextIn(lang string) string {
	if lang != string(i18n.German) {
		return e.Error()
	}
	return fmt.Sprintf("DATEV-Export angehalten, nichts wurde geschrieben: die Buchungen sind unvollständig oder gehen nicht auf (siehe %s): %v", e.control, e.findings)
}

// controlPath is the control workbook beside the DATEV files:
// EXTF_Buchungsstapel_Kontrolle.xlsx for EXTF_Buchungsstapel.csv.
func (s *DATEVSink) controlPath() string {
	return filepath.Join(s.dir, s.stem+"_Kontrolle.xlsx")
}

// writeDebitors writes EXTF_Debitoren.csv beside the bookings: each
// debitor account booked, with the name, address and VAT id of its first
// document's customer (the collective account as "Sammeldebitor"). It is
// checked and committed with the booking files.
func (s *DATEVSink) writeDebitors() error {
	d := s.docs
	path := filepath.Join(s.dir, "EXTF_Debitoren.csv")
	tmp, err := createTemp(path)
	if err != nil {
		return outputError(err)
	}
	w, err := datev.NewDebitorWriter(tmp, s.header(s.all[0].month))
	if err != nil {
		discardTemp(tmp)
		return err
	}
	s.all = append(s.all, &datevFile{month: s.all[0].month, tmp: tmp, deb: w})
	accounts := append([]string(nil), d.order...)
	sort.Strings(accounts)
	for _, a := range accounts {
		c := d.customers[a]
		r := datev.DebitorRow{Konto: a, Kundennummer: c.Number}
		switch {
		case c.collective:
			r.NameKeineAngabe, r.Adressatentyp, r.Kundennummer = "Sammeldebitor", "0", ""
		case c.Company != "":
			r.NameUnternehmen, r.Adressatentyp = c.Company, "2"
		case c.LastName != "":
			r.NamePerson, r.VornamePerson, r.Adressatentyp = c.LastName, c.FirstName, "1"
		default:
			r.NameKeineAngabe, r.Adressatentyp = "Kunde "+c.Number, "0"
		}
		if !c.collective {
			r.Strasse, r.Postleitzahl, r.Ort, r.Land, r.EMail = c.Street, c.PostalCode, c.City, c.Country, c.Email
			if r.Strasse != "" {
				r.Adressart = "STR"
			}
			if land, nr := datev.SplitVATID(c.VATID); datev.IsEU(land) {
				r.EULand, r.EUUStIdNr = land, nr
			}
		}
		notes, err := w.Write(&r)
		if err != nil {
			d.control.Fail("", 0, fmt.Sprintf("Debitor %s: %v", a, err), fmt.Sprintf("debitor %s: %v", a, err))
			continue
		}
		if s.log != nil {
			for _, n := range notes {
				s.log.Warn("datev: value changed to fit", "debitor", a, "column", n.Column, "reason", n.Reason, "new", n.New)
			}
		}
	}
	return nil
}
