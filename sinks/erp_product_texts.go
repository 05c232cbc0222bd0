package sinks

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/pipeline"
)

// The texts of a product (13.1): per language and sales channel its name,
// descriptions and SEO fields, from targets
//
//	Descriptions.<language>.<Field>                  the default sales channel
//	Descriptions.<language>@<salesChannelId>.<Field> another one (2-1-1)
//
// language an ISO code (de, en), Field one of textFields. Columns such as
// Name_en or Beschreibung_de map to them by ordinary mapping fields. The
// default sales channel is the Wawi's own (type JTL_Wawi in
// /salesChannels), asked once per run when a target names no other.
//
// Plan reads /items/{id}/descriptions once per item and run and compares
// field by field, byte for byte (HTML stays as it is; an empty cell names
// nothing and changes nothing). Apply POSTs a text the item lacks and
// PATCHes only the fields that differ; an unchanged text writes nothing.
func init() {
	registerProductPart(partFactory{claims: prefixClaims("Descriptions."), open: openTexts, order: 20})
}

// textFields are the fields of a description a mapping can name, in the
// spec's spelling (CreateItemDescription).
var textFieldNames = [...]string{"Name", "Description", "ShortDescription", "SeoPath", "SeoMetaDescription", "SeoTitleTag", "SeoMetaKeywords"}

var textFields = textFieldNames[:]

var textLang = regexp.MustCompile(`^[A-Za-z]{2,3}$`)

type textsPart struct {
	s *ERPSink
	// groups are the texts the mapping names, one per language and sales
	// channel, in the order of their first target.
	groups []*textGroup

	chanOnce sync.Once
	chanID   string // the default sales channel, once asked
	chanErr  error

	// lists are the items' texts as read in this run (and written since).
	listsMu sync.Mutex
	lists   map[int64]*textList
}

// textGroup is one text (language + sales channel) a mapping names.
type textGroup struct {
	lang    string // as the target writes it
	channel string // "" for the default sales channel
	fields  []textField
}

type textField struct {
	name string // Name, Description, ...
	idx  int    // position in the mapping's targets
}

func openTexts(s *ERPSink, idx []int, canon []string) (productPart, error) {
	p := &textsPart{s: s, lists: map[int64]*textList{}}
	var problems pipeline.TargetErrors
	byKey := map[string]*textGroup{}
	seen := map[string]bool{}
	for i, path := range canon {
		lang, channel, field, msg := parseTextTarget(path)
		lang = strings.ToLower(lang) // de, en: as a merchant writes them
		if msg != "" {
			problems = append(problems, pipeline.TargetError{Target: s.targets[idx[i]].Path, Msg: msg})
			continue
		}
		k := strings.ToLower(lang + "@" + channel)
		if seen[k+"."+field] {
			problems = append(problems, pipeline.TargetError{Target: s.targets[idx[i]].Path, Msg: "named twice"})
			continue
		}
		seen[k+"."+field] = true
		g := byKey[k]
		if g == nil {
			g = &textGroup{lang: lang, channel: channel}
			byKey[k] = g
			p.groups = append(p.groups, g)
		}
		g.fields = append(g.fields, textField{name: field, idx: idx[i]})
	}
	if len(problems) > 0 {
		return nil, problems
	}
	for _, g := range p.groups {
		sort.SliceStable(g.fields, func(i, j int) bool { return fieldOrder(g.fields[i].name) < fieldOrder(g.fields[j].name) })
	}
	return p, nil
}

// parseTextTarget reads Descriptions.<lang>[@<channel>].<Field>; msg says
// what is wrong.
func parseTextTarget(path string) (lang, channel, field, msg string) {
	parts := strings.Split(path, ".")
	const form = "texts are named Descriptions.<language>.<field> or Descriptions.<language>@<salesChannelId>.<field>"
	if len(parts) != 3 {
		return "", "", "", form + " (Descriptions.en.Name)"
	}
	lang, channel, hasChannel := strings.Cut(parts[1], "@")
	if !textLang.MatchString(lang) {
		return "", "", "", fmt.Sprintf("%q is not a language's ISO code (de, en); %s", lang, form)
	}
	if hasChannel && strings.TrimSpace(channel) == "" {
		return "", "", "", "the sales channel after @ is empty; " + form
	}
	for _, f := range textFields {
		if strings.EqualFold(f, parts[2]) {
			return lang, channel, f, ""
		}
	}
	return "", "", "", fmt.Sprintf("%q is not a field of a text (fields: %s)", parts[2], strings.Join(textFields, ", "))
}

func fieldOrder(name string) int {
	for i, f := range textFields {
		if f == name {
			return i
		}
	}
	return len(textFields)
}

func (p *textsPart) label() string { return "Texte" }

// textRec is one description of an item as the Wawi holds it: the fields
// of textFields by position.
type textRec struct {
	channel, lang string
	vals          [len(textFieldNames)]string
}

func textRecOf(m map[string]any) textRec {
	r := textRec{channel: keyText(m["SalesChannelId"]), lang: keyText(m["LanguageIso"])}
	for i, f := range textFields {
		if s, ok := m[f].(string); ok {
			r.vals[i] = s
		}
	}
	return r
}

// textList is an item's descriptions as read once in this run, kept up to
// date by this run's writes.
type textList struct {
	once sync.Once
	err  error
	mu   sync.Mutex
	recs []textRec
}

func (l *textList) find(channel, lang string) (textRec, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.recs {
		if strings.EqualFold(r.channel, channel) && strings.EqualFold(r.lang, lang) {
			return r, true
		}
	}
	return textRec{}, false
}

// set stores what a write made of a text.
func (l *textList) set(r textRec) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.recs {
		if strings.EqualFold(l.recs[i].channel, r.channel) && strings.EqualFold(l.recs[i].lang, r.lang) {
			l.recs[i] = r
			return
		}
	}
	l.recs = append(l.recs, r)
}

func (p *textsPart) list(ctx context.Context, itemID int64) (*textList, error) {
	p.listsMu.Lock()
	l := p.lists[itemID]
	if l == nil {
		l = &textList{}
		p.lists[itemID] = l
	}
	p.listsMu.Unlock()
	l.once.Do(func() { l.recs, l.err = p.read(ctx, itemID) })
	if l.err != nil {
		// a failed read is not kept: the next record of the item reads again
		p.listsMu.Lock()
		if p.lists[itemID] == l {
			delete(p.lists, itemID)
		}
		p.listsMu.Unlock()
	}
	return l, l.err
}

// emptyList is the texts of an item this run created.
func (p *textsPart) emptyList(itemID int64) *textList {
	p.listsMu.Lock()
	defer p.listsMu.Unlock()
	l := p.lists[itemID]
	if l == nil {
		l = &textList{}
		l.once.Do(func() {})
		p.lists[itemID] = l
	}
	return l
}

// read asks the Wawi for the item's descriptions.
func (p *textsPart) read(ctx context.Context, itemID int64) ([]textRec, error) {
	u, err := erp.FillPath("/items/{itemId}/descriptions", map[string]string{"itemId": fmtID(itemID)})
	if err != nil {
		return nil, err
	}
	var recs []textRec
	for m, err := range p.s.c.List(ctx, u, nil, erp.PageOptions{}) {
		if err != nil {
			return nil, err
		}
		recs = append(recs, textRecOf(m))
	}
	return recs, nil
}

// defaultChannel is the Wawi's own sales channel (type 0, JTL_Wawi).
func (p *textsPart) defaultChannel(ctx context.Context) (string, error) {
	p.chanOnce.Do(func() {
		var chans []map[string]any
		if err := p.s.c.Get(ctx, "/salesChannels", nil, &chans); err != nil {
			p.chanErr = fmt.Errorf("the sales channels: %w", err)
			return
		}
		var ids []string
		for _, ch := range chans {
			id := keyText(ch["Id"])
			ids = append(ids, id)
			if t, ok := idOf(ch["Type"]); ok && t == 0 && p.chanID == "" {
				p.chanID = id
			}
		}
		if p.chanID == "" {
			p.chanErr = pipeline.Fatal(fmt.Errorf("the Wawi has no sales channel of type JTL-Wawi for texts without @salesChannelId (sales channels: %s)", strings.Join(ids, ", ")))
		}
	})
	return p.chanID, p.chanErr
}

// textsPlan is what the texts of one record would write.
type textsPlan struct {
	p      *textsPart
	item   productItem
	writes []textWrite
	diff   []pipeline.Change
}

// textWrite is one text to POST (exists false) or PATCH.
type textWrite struct {
	g       *textGroup
	channel string
	exists  bool
	want    textRec // the fields the record names, set in named
	named   [len(textFieldNames)]bool
	changed []string // the fields that differ (all named ones for a new text)
}

func (p *textsPart) plan(ctx context.Context, it *pipeline.Item, item productItem) (partPlan, error) {
	var list *textList
	tp := &textsPlan{p: p, item: item}
	for _, g := range p.groups {
		w := textWrite{g: g, channel: g.channel}
		named := false
		for _, f := range g.fields {
			if f.idx >= len(it.Values) {
				continue
			}
			v, err := coerce(it.Values[f.idx], kindString)
			if err != nil {
				t := p.s.targets[f.idx]
				return nil, &FieldError{Field: t.Path, Column: t.Column, Err: err}
			}
			if v == nil {
				continue // an empty cell names nothing
			}
			i := fieldOrder(f.name)
			w.want.vals[i], w.named[i] = v.(string), true
			named = true
		}
		if !named {
			continue
		}
		if w.channel == "" {
			ch, err := p.defaultChannel(ctx)
			if err != nil {
				return nil, err
			}
			w.channel = ch
		}
		w.want.channel, w.want.lang = w.channel, g.lang
		var cur textRec
		if item.ID != 0 {
			if list == nil {
				var err error
				if list, err = p.list(ctx, item.ID); err != nil {
					return nil, err
				}
			}
			cur, w.exists = list.find(w.channel, g.lang)
		}
		for i, f := range textFields {
			if !w.named[i] || w.exists && cur.vals[i] == w.want.vals[i] {
				continue
			}
			w.changed = append(w.changed, f)
			var old any
			if w.exists {
				old = cur.vals[i]
			}
			tp.diff = append(tp.diff, pipeline.Change{Field: g.show(f), Old: old, New: w.want.vals[i]})
		}
		if len(w.changed) == 0 {
			continue
		}
		if !w.exists && !w.named[0] {
			// CreateItemDescription requires the Name
			err := fmt.Errorf("the item has no text %s yet, and a new text needs a Name", g.tag())
			for _, f := range g.fields {
				if f.name == "Name" {
					t := p.s.targets[f.idx]
					return nil, &FieldError{Field: t.Path, Column: t.Column, Err: fmt.Errorf("%w: the cell is empty", err)}
				}
			}
			return nil, fmt.Errorf("%w: map %s", err, g.target("Name"))
		}
		tp.writes = append(tp.writes, w)
	}
	return tp, nil
}

// show names a field of the text in the diff: "Text en: Name",
// "Text en@2-1-1: Name".
func (g *textGroup) show(field string) string { return "Text " + g.tag() + ": " + field }

func (g *textGroup) tag() string {
	if g.channel == "" {
		return g.lang
	}
	return g.lang + "@" + g.channel
}

func (g *textGroup) target(field string) string { return "Descriptions." + g.tag() + "." + field }

func (tp *textsPlan) changes() []pipeline.Change { return tp.diff }

func (tp *textsPlan) apply(ctx context.Context, itemID int64) error {
	if len(tp.writes) == 0 {
		return nil
	}
	var list *textList
	if tp.item.ID == 0 {
		// created by this record: it has no texts to read (one the Wawi
		// made with the item is found when the POST is refused)
		list = tp.p.emptyList(itemID)
	} else {
		var err error
		if list, err = tp.p.list(ctx, itemID); err != nil {
			return err
		}
	}
	// Each write concerns its own text (channel and language): they go
	// out concurrently; the first failing one in order names the error.
	errs := make([]error, len(tp.writes))
	runEach(len(tp.writes), func(i int) { errs[i] = tp.p.write(ctx, itemID, list, tp.writes[i]) })
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("text %s: %w", tp.writes[i].g.tag(), err)
		}
	}
	return nil
}

// write brings one text to what the record says. It compares with the
// list again (a record of the same item may have written since the plan),
// POSTs a missing text with a landed check, and PATCHes only the fields
// that differ; a PATCH whose answer was lost is read back.
func (p *textsPart) write(ctx context.Context, itemID int64, list *textList, w textWrite) error {
	cur, exists := list.find(w.channel, w.g.lang)
	if !exists {
		err := p.post(ctx, itemID, list, w)
		if err == nil || !erp.IsPermanent(err) {
			return err
		}
		// Refused: the Wawi may hold the text already (it makes one when
		// it creates an item, from the item's name). Read again and
		// PATCH what differs; else the refusal stands.
		recs, rerr := p.read(ctx, itemID)
		if rerr != nil {
			return err
		}
		list.mu.Lock()
		list.recs = recs
		list.mu.Unlock()
		if cur, exists = list.find(w.channel, w.g.lang); !exists {
			return err
		}
	}
	body := map[string]any{}
	next := cur
	for i, f := range textFields {
		if w.named[i] && cur.vals[i] != w.want.vals[i] {
			body[f] = w.want.vals[i]
			next.vals[i] = w.want.vals[i]
		}
	}
	if len(body) == 0 {
		return nil
	}
	u, err := erp.FillPath("/items/{itemId}/descriptions/{salesChannelId}/{languageIso}",
		map[string]string{"itemId": fmtID(itemID), "salesChannelId": cur.channel, "languageIso": cur.lang})
	if err != nil {
		return err
	}
	if err := p.s.c.Patch(ctx, u, nil, body, nil); err != nil {
		if !answerLost(err) || !p.landed(ctx, itemID, list, w) {
			return wrapWriteErr(err)
		}
		return nil
	}
	list.set(next)
	return nil
}

func (p *textsPart) post(ctx context.Context, itemID int64, list *textList, w textWrite) error {
	body := map[string]any{"LanguageIso": w.g.lang, "SalesChannelId": w.channel}
	for i, f := range textFields {
		if w.named[i] {
			body[f] = w.want.vals[i]
		}
	}
	u, err := erp.FillPath("/items/{itemId}/descriptions", map[string]string{"itemId": fmtID(itemID)})
	if err != nil {
		return err
	}
	landed := func(ctx context.Context) (bool, error) {
		recs, err := p.read(ctx, itemID)
		if err != nil {
			return false, err
		}
		list.mu.Lock()
		list.recs = recs
		list.mu.Unlock()
		_, ok := list.find(w.channel, w.g.lang)
		return ok, nil
	}
	err = p.s.c.Post(ctx, u, nil, body, nil, landed)
	if errors.Is(err, erp.ErrLandedElsewhere) {
		return nil // the first POST landed: landed read the list with it
	}
	if err != nil {
		return wrapWriteErr(err)
	}
	list.set(w.want)
	return nil
}

// landed reads the item's texts after a PATCH in doubt: a PATCH sends
// absolute values, so when the text holds them, it landed.
func (p *textsPart) landed(ctx context.Context, itemID int64, list *textList, w textWrite) bool {
	recs, err := p.read(ctx, itemID)
	if err != nil {
		return false
	}
	list.mu.Lock()
	list.recs = recs
	list.mu.Unlock()
	cur, ok := list.find(w.channel, w.g.lang)
	if !ok {
		return false
	}
	for i := range textFields {
		if w.named[i] && cur.vals[i] != w.want.vals[i] {
			return false
		}
	}
	return true
}
