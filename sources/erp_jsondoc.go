package sources

import (
	"time"

	"github.com/wawi-etl/etl/internal/jsondoc"
)

// The ERP source's documents are decoded by internal/jsondoc, with every
// string value normalised as a date on the way (normalizeDate).
type (
	projNode    = jsondoc.Node
	projKey     = jsondoc.Key
	jsonScratch = jsondoc.Scratch
)

func dateStrings(loc *time.Location) func(string) any {
	if loc == nil {
		return nil
	}
	return func(s string) any { return normalizeDate(s, loc) }
}

func parseDoc(raw []byte, loc *time.Location) (map[string]any, error) {
	return jsondoc.Parse(raw, dateStrings(loc))
}

func parseDocPart(raw []byte, loc *time.Location, n *projNode, scratch *jsonScratch) (map[string]any, error) {
	return jsondoc.ParsePart(raw, dateStrings(loc), n, scratch)
}
