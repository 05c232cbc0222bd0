package pipeline

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Job files are small: a few hundred lines, a few thousand YAML nodes.
// These bounds refuse a hostile file (a 50 MB YAML, an alias bomb that
// expands ten levels of anchors into billions of nodes) before it costs
// memory; the decoder and the schema check expand aliases.
const (
	maxJobBytes         = 8 << 20
	maxJobExpandedNodes = 200_000
)

// readJobFile reads at most maxJobBytes of a job file.
func readJobFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read job file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxJobBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read job file: %w", err)
	}
	if len(b) > maxJobBytes {
		return nil, &JobError{File: path, Msg: fmt.Sprintf("the job file is larger than %d MB; a job file describes a job, the data belongs in source.path", maxJobBytes>>20)}
	}
	return b, nil
}

// checkAliases refuses a job file whose aliases expand beyond
// maxJobExpandedNodes, naming the alias where the limit was passed.
func checkAliases(path string, src []byte) error {
	if !bytes.ContainsRune(src, '*') {
		return nil // an alias is written *name: parsing the file to find none was ~1.5 ms of every start
	}
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil // the decoder reports syntax errors with their place
	}
	x := &expander{anchors: map[string]int64{}}
	for _, doc := range f.Docs {
		x.size(doc)
		if x.over != nil {
			tk := x.over.GetToken()
			return &JobError{File: path, Line: tk.Position.Line, Col: tk.Position.Column,
				Msg: fmt.Sprintf("the aliases of this job file expand to more than %d values (an alias bomb?); write the values out or use fewer nested anchors", maxJobExpandedNodes)}
		}
	}
	return nil
}

type expander struct {
	anchors map[string]int64
	total   int64
	over    ast.Node // the alias at which the total passed the limit
}

// size counts the nodes n stands for once its aliases are expanded.
func (x *expander) size(n ast.Node) int64 {
	if n == nil || x.over != nil {
		return 0
	}
	var s int64 = 1
	switch n := n.(type) {
	case *ast.DocumentNode:
		s = x.size(n.Body)
	case *ast.MappingNode:
		for _, v := range n.Values {
			s += x.size(v)
		}
	case *ast.MappingValueNode:
		s = x.size(n.Key) + x.size(n.Value)
	case *ast.MappingKeyNode:
		s = x.size(n.Value)
	case *ast.SequenceNode:
		for _, v := range n.Values {
			s += x.size(v)
		}
	case *ast.TagNode:
		s = x.size(n.Value)
	case *ast.AnchorNode:
		s = x.size(n.Value)
		if n.Name != nil {
			x.anchors[n.Name.String()] = s
		}
		return s
	case *ast.AliasNode:
		if n.Value != nil {
			s = x.anchors[n.Value.String()]
		}
		x.total += s
		if x.total > maxJobExpandedNodes {
			x.over = n
		}
		return s
	}
	if s > maxJobExpandedNodes {
		s = maxJobExpandedNodes + 1
	}
	return s
}
