package mappings

import (
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/wawi-etl/etl/record"
)

// exprs compiles the expressions of one mapping and builds their per-record
// environment. Only the columns some expression names are put into it, so a
// mapping with one expression over one column pays for one column, not all.
type exprs struct {
	header *record.Header
	desc   map[string]any // compile-time environment: column -> "" (typed as string)
	doc    bool

	used    map[string]bool // names the expressions reference
	usedAll bool            // an expression indexes $env dynamically

	// Per-record environment, fixed after finish.
	slots   []envSlot // tabular: referenced columns
	names   []string  // documents: referenced top-level keys
	setRow  bool
	envPool sync.Pool // *exprEnv
}

type envSlot struct {
	name string
	col  int
}

// exprEnv is one record's expression environment plus a reusable VM.
type exprEnv struct {
	vars map[string]any
	vm   vm.VM
}

func newExprs(h *record.Header) *exprs {
	x := &exprs{header: h, doc: h == nil, used: map[string]bool{}}
	x.desc = map[string]any{"row": 0}
	if h != nil {
		for _, n := range h.Names {
			x.desc[n] = "" // a column named "row" hides the row number
		}
	}
	return x
}

// compile compiles one expression; asBool is for when.
func (x *exprs) compile(src string, asBool bool) (*vm.Program, error) {
	opts := []expr.Option{expr.Env(x.desc)}
	if x.doc {
		// A document's shape is unknown until it is read.
		opts = append(opts, expr.AllowUndefinedVariables())
	}
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, errors.New(exprMessage(err) + x.columnsHint(err))
	}
	if tree, err := parser.Parse(src); err == nil {
		c := &nameCollector{}
		ast.Walk(&tree.Node, c)
		for n := range c.names {
			x.used[n] = true
		}
		if c.envIdents > c.envMembers {
			x.usedAll = true
		}
	}
	return prog, nil
}

// finish fixes the per-record environment once all expressions are compiled.
func (x *exprs) finish() {
	if x.doc {
		for n := range x.used {
			if n != "row" {
				x.names = append(x.names, n)
			}
		}
		x.setRow = true
	} else {
		for i, n := range x.header.Names {
			if x.usedAll || x.used[n] {
				if j, _ := x.header.Index(n); j == i { // first of duplicate names
					x.slots = append(x.slots, envSlot{n, i})
				}
			}
		}
		_, rowIsColumn := x.header.Index("row")
		x.setRow = !rowIsColumn
	}
	size := len(x.slots) + len(x.names) + 1
	x.envPool.New = func() any { return &exprEnv{vars: make(map[string]any, size)} }
}

// env fills a pooled environment for rec; release it with put.
func (x *exprs) env(rec *record.Record) *exprEnv {
	e := x.envPool.Get().(*exprEnv)
	for _, s := range x.slots {
		// what an untyped field reads: the cell as shown (01067, a date
		// as 2026-03-01), so an expression that joins or compares text
		// sees what the merchant sees; a date field typing the result
		// still reads that date (typeText)
		e.vars[s.name] = rec.ShownText(s.col)
	}
	if x.doc {
		if x.usedAll {
			clear(e.vars)
			for k, v := range rec.Doc {
				e.vars[k] = v
			}
			for _, k := range [...]string{record.LineItemKey, record.LineTotalKey} {
				if m, ok := rec.LineMap(k); ok {
					e.vars[k] = m
				}
			}
		} else {
			for _, n := range x.names {
				e.vars[n], _ = rec.Top(n)
			}
		}
	}
	if x.setRow {
		e.vars["row"] = rec.Row
	}
	return e
}

func (x *exprs) put(e *exprEnv) {
	if x.doc && x.usedAll {
		clear(e.vars) // do not keep a document alive
	}
	x.envPool.Put(e)
}

func (e *exprEnv) run(p *vm.Program) (any, error) {
	v, err := e.vm.Run(p, e.vars)
	if err != nil {
		return nil, errors.New(exprMessage(err))
	}
	return v, nil
}

// exprMessage keeps expr's message and position but drops the source
// snippet lines, which the job file already shows.
func exprMessage(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		msg := fe.Message
		if fe.Line > 0 {
			msg += " (" + strconv.Itoa(fe.Line) + ":" + strconv.Itoa(fe.Column+1) + ")"
		}
		return msg
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// columnsHint lists the columns an expression can use when it named one
// that is not there, with the nearest as a suggestion.
func (x *exprs) columnsHint(err error) string {
	if x.header == nil {
		return ""
	}
	msg := err.Error()
	i := strings.Index(msg, "unknown name ")
	if i < 0 {
		return ""
	}
	name := msg[i+len("unknown name "):]
	if j := strings.IndexAny(name, " \n("); j >= 0 {
		name = name[:j]
	}
	return "; the columns it can use: " + listNames(x.header.Names) + didYouMean(name, x.header.Names)
}

// nameCollector finds the variables an expression can read: identifiers and
// $env["name"]. Any other use of $env means every column.
type nameCollector struct {
	names      map[string]bool
	envIdents  int
	envMembers int
}

func (c *nameCollector) Visit(node *ast.Node) {
	if c.names == nil {
		c.names = map[string]bool{}
	}
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value == "$env" {
			c.envIdents++
		} else {
			c.names[n.Value] = true
		}
	case *ast.MemberNode:
		if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == "$env" {
			if s, ok := n.Property.(*ast.StringNode); ok {
				c.names[s.Value] = true
				c.envMembers++
			}
		}
	}
}
