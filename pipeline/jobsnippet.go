package pipeline

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// snippetLines is how many lines of context a job error shows before and
// after the line it points at.
const snippetLines = 3

// snippetAt shows the lines of src around line with a caret under col, in
// go-yaml's layout ("> 12 |   key: value"), always whole lines: go-yaml's
// own printer stops after a number of tokens, which cut the last line of
// context in the middle of a flow mapping.
func snippetAt(src []byte, line, col int) string {
	if line <= 0 {
		return ""
	}
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	if line > len(lines) {
		return ""
	}
	first, last := max(1, line-snippetLines), min(len(lines), line+snippetLines)
	for last > line && strings.TrimSpace(lines[last-1]) == "" {
		last-- // no trailing blank lines
	}
	width := len(fmt.Sprint(last))
	var b strings.Builder
	for n := first; n <= last; n++ {
		mark := " "
		if n == line {
			mark = ">"
		}
		text := strings.TrimRight(lines[n-1], " \t\r")
		fmt.Fprintf(&b, "%s %*d | %s\n", mark, max(width, 2), n, text)
		if n == line && col > 0 {
			gutter := 1 + 1 + max(width, 2) + 3
			// col counts characters; an umlaut before it is one column
			pad := min(col-1, utf8.RuneCountInString(text))
			b.WriteString(strings.Repeat(" ", gutter+pad) + "^\n")
		}
	}
	return b.String()
}

// keyPosition is the line and column of the key of the mapping value at
// path (e.g. $.source.delimter), zeros when the file has no such key.
func keyPosition(src []byte, path string) (line, col int) {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return 0, 0
	}
	v := &keyAtPath{path: path}
	for _, d := range f.Docs {
		ast.Walk(v, d)
	}
	return v.line, v.col
}

type keyAtPath struct {
	path      string
	line, col int
}

func (v *keyAtPath) Visit(n ast.Node) ast.Visitor {
	if v.line > 0 {
		return nil
	}
	if mv, ok := n.(*ast.MappingValueNode); ok {
		if tk := mv.Key.GetToken(); tk != nil && tk.Position != nil &&
			(mv.GetPath() == v.path || mv.Key.GetPath() == v.path) {
			v.line, v.col = tk.Position.Line, tk.Position.Column
			return nil
		}
	}
	return v
}
