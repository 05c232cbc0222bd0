package report

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/internal/xlsxw"
)

//go:embed diffreport.html.tmpl
var diffHTMLSource string

// diffHTMLTmpl is parsed when a report is first written, not at every
// start of the program (~0.7 ms of each, most of this package's init).
var diffHTMLTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("diff").Parse(diffHTMLSource))
})

type diffHTMLCell struct {
	Text  string
	Sort  string // numeric sort key, "" for text
	Num   bool
	Empty bool
}

type diffHTMLChange struct {
	Row                 int
	Key, Field, Outcome string
	OutcomeClass        string // the English outcome, for the style
	Old, New            diffHTMLCell
	Pct, PctSort        string
	PctClass            string
}

type diffHTMLCreate struct {
	Row          int
	Key, Outcome string
	OutcomeClass string
	Cells        []diffHTMLCell
}

type diffHTMLError struct {
	Row                int
	Key, Field, Reason string
}

func diffHTMLValue(v any) diffHTMLCell {
	switch x := v.(type) {
	case nil:
		return diffHTMLCell{Empty: true}
	case int64, decimal.Decimal, json.Number, float64:
		s := xlsxw.ValueText(x)
		return diffHTMLCell{Text: s, Sort: s, Num: true}
	}
	return diffHTMLCell{Text: diffCut(xlsxw.ValueText(v))}
}

func diffCut(s string) string {
	if len(s) <= diffHTMLText {
		return s
	}
	cut := diffHTMLText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf(" … (%d more characters in diff.xlsx)", utf8.RuneCountInString(s[cut:]))
}

type diffHTMLData struct {
	*diffInfo
	lang                               i18n.Lang
	Lang                               string
	HTMLTrips                          []diffHTMLTrip
	ResumedText                        string
	Outcomes                           []string // of Changes rows, for the filter
	Title                              string
	StartedText, FinishedText          string
	DurationText                       string
	CountRows                          []diffHTMLCount
	Total, RequestsText                string
	Chart                              diffSVG
	FieldNames                         []string
	FieldCounts                        []diffHTMLFieldCount
	Changes                            []diffHTMLChange
	Creates                            []diffHTMLCreate
	CreateCols                         []string
	Errors                             []diffHTMLError
	NChanges, NCreates, NErrors        string
	MoreChanges, MoreCreates, MoreErrs string
	Generated                          string
}

// T is s in the report's language.
func (d *diffHTMLData) T(s string) string { return tr(d.lang, s) }

// Tf is the format s in the report's language applied to args.
func (d *diffHTMLData) Tf(s string, args ...any) string { return fmt.Sprintf(tr(d.lang, s), args...) }

type diffHTMLTrip struct {
	GuardrailTrip
	Text, More string
}

type diffHTMLCount struct {
	Outcome, N string
}

type diffHTMLFieldCount struct {
	Field, N string
}

type diffSVG struct {
	W, H int
	Bars []diffBar
}

type diffBar struct {
	Label, Value, Class string
	Y, W, TextX, TextY  int
}

// writeHTML renders diff.html to w.
func (d *Diff) writeHTML(w io.Writer, in *diffInfo) error {
	data := &diffHTMLData{diffInfo: in, Changes: d.hChanges, Creates: d.hCreates, Errors: d.hErrors,
		lang: d.opts.Lang, Lang: string(d.opts.Lang), Generated: time.Now().In(d.opts.Location).Format("2006-01-02 15:04:05 -07:00")}
	if data.Lang == "" {
		data.Lang = "en"
	}
	data.Title = d.t("Import diff report")
	for _, t := range in.Trips {
		h := diffHTMLTrip{GuardrailTrip: t, Text: fmt.Sprintf(d.t("Nothing was written: guardrail %s (limit %s) tripped: %s"), t.Rule, t.Limit, tripFound(d.opts.Lang, t))}
		if more := t.Count - int64(len(t.Records)); more > 0 {
			h.More = fmt.Sprintf(d.t("… %s more in diff.xlsx"), diffGroup(more))
		}
		data.HTMLTrips = append(data.HTMLTrips, h)
	}
	if in.Resumed > 0 {
		data.ResumedText = diffGroup(in.Resumed)
	}
	data.Outcomes = []string{d.outcome(Updated), d.outcome(Failed)}
	if in.Job != "" {
		data.Title += ": " + in.Job
	}
	if !in.Started.IsZero() {
		data.StartedText = xlsxw.TimeText(in.Started.Truncate(time.Second))
		data.FinishedText = xlsxw.TimeText(in.Finished.Truncate(time.Second))
	}
	data.DurationText = diffDuration(in.Duration)
	data.RequestsText = diffGroup(in.Requests)
	data.Total = diffGroup(in.Read)
	var top int64 = 1
	for _, n := range in.Counts {
		top = max(top, n)
	}
	const barX, barMax, rowH = 90, 300, 30
	data.Chart = diffSVG{W: barX + barMax + 90, H: len(in.Counts)*rowH + 10}
	for o, n := range in.Counts {
		data.CountRows = append(data.CountRows, diffHTMLCount{d.outcome(Outcome(o)), diffGroup(n)})
		w := int(float64(n) / float64(top) * barMax)
		if n > 0 {
			w = max(w, 2)
		}
		y := 5 + o*rowH
		data.Chart.Bars = append(data.Chart.Bars, diffBar{Label: d.outcome(Outcome(o)), Value: diffGroup(n),
			Class: "b-" + diffOutcomeNames[o], Y: y, W: w, TextX: barX + w + 6, TextY: y + 15})
	}
	for _, fc := range in.Fields {
		name := d.label(fc.Field)
		switch fc.Field {
		case "":
			name = d.t("(not itemised by the sink)")
		case "(other fields)":
			name = d.t(fc.Field)
		}
		data.FieldCounts = append(data.FieldCounts, diffHTMLFieldCount{name, diffGroup(fc.N)})
		if fc.Field != "" && fc.Field != "(other fields)" {
			data.FieldNames = append(data.FieldNames, name)
		}
	}
	sort.Strings(data.FieldNames)
	for _, c := range d.createCols {
		data.CreateCols = append(data.CreateCols, d.label(c.Path))
	}
	for i := range data.Creates {
		c := &data.Creates[i]
		for len(c.Cells) < len(data.CreateCols) {
			c.Cells = append(c.Cells, diffHTMLCell{Empty: true})
		}
	}
	data.NChanges, data.NCreates, data.NErrors = diffGroup(d.nChanges), diffGroup(d.nCreates), diffGroup(d.nErrors)
	more := func(total int64, shown int) string {
		if total > int64(shown) {
			return diffGroup(total - int64(shown))
		}
		return ""
	}
	data.MoreChanges = more(d.nChanges, len(d.hChanges))
	data.MoreCreates = more(d.nCreates, len(d.hCreates))
	data.MoreErrs = more(d.nErrors, len(d.hErrors))

	bw := bufio.NewWriterSize(w, 64<<10)
	if err := diffHTMLTmpl().Execute(bw, data); err != nil {
		return err
	}
	return bw.Flush()
}

// diffGroup writes a count with thin spaces between thousands (12 345),
// which reads the same in German and English.
func diffGroup(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	return b.String()
}

// diffDuration avoids decimal separators: 850 ms, 12 s, 3 min 05 s, 1 h 02 min.
func diffDuration(sec float64) string {
	switch {
	case sec <= 0:
		return "0 s"
	case sec < 1:
		return strconv.Itoa(int(math.Round(sec*1000))) + " ms"
	case sec < 60:
		return strconv.Itoa(int(math.Round(sec))) + " s"
	}
	s := int64(math.Round(sec))
	if s < 3600 {
		return fmt.Sprintf("%d min %02d s", s/60, s%60)
	}
	return fmt.Sprintf("%d h %02d min", s/3600, s%3600/60)
}
