package pipeline

import (
	"fmt"
	"math/big"
	"strings"

	validator "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/wawi-etl/etl/internal/i18n"
)

// schemaMessage words a schema violation for the person editing the job
// file: the common ones in their language and without JSON Schema's terms
// (a value "of type integer" is "a whole number"); the rare ones as the
// validator says them.
func schemaMessage(l i18n.Lang, k validator.ErrorKind) string {
	de := l == i18n.German
	switch k := k.(type) {
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = jsonTypeName(l, w)
		}
		return l.T("job.schema.type", strings.Join(want, l.Pick(" oder ", " or ")), jsonTypeName(l, k.Got))
	case *kind.Enum:
		if de {
			return "erlaubt sind " + quotedList(k.Want)
		}
	case *kind.Required:
		if de {
			return "es fehlt " + quotedList(toAny(k.Missing))
		}
	case *kind.Pattern:
		if de {
			return fmt.Sprintf("%q passt nicht zum Muster %s", k.Got, k.Want)
		}
	case *kind.Minimum:
		return l.T("job.schema.minimum", ratText(k.Want), ratText(k.Got))
	case *kind.Maximum:
		return l.T("job.schema.maximum", ratText(k.Want), ratText(k.Got))
	case *kind.ExclusiveMinimum:
		return l.T("job.schema.above", ratText(k.Want), ratText(k.Got))
	case *kind.ExclusiveMaximum:
		return l.T("job.schema.below", ratText(k.Want), ratText(k.Got))
	case *kind.MinLength:
		return l.T("job.schema.minlength", k.Want, k.Got)
	case *kind.MaxLength:
		return l.T("job.schema.maxlength", k.Want, k.Got)
	case *kind.MinItems:
		return l.T("job.schema.minitems", k.Want, k.Got)
	}
	return k.LocalizedString(message.NewPrinter(language.English))
}

// jsonTypeName is what a JSON Schema type is called in a YAML file.
func jsonTypeName(l i18n.Lang, t string) string {
	switch t {
	case "string":
		return l.Pick("Text", "text")
	case "integer":
		return l.Pick("eine ganze Zahl", "a whole number")
	case "number":
		return l.Pick("eine Zahl", "a number")
	case "boolean":
		return l.Pick("true oder false", "true or false")
	case "object":
		return l.Pick("Einträge der Form schlüssel: wert", "entries of the form key: value")
	case "array":
		return l.Pick("eine Liste", "a list")
	case "null":
		return l.Pick("nichts", "nothing")
	}
	return t
}

func quotedList(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("'%v'", v)
	}
	return strings.Join(parts, ", ")
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ratText writes a schema bound as a person would: 1, 0.5.
func ratText(r *big.Rat) string {
	if r == nil {
		return ""
	}
	if r.IsInt() {
		return r.Num().String()
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(6), "0"), ".")
}
