package erptest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// A property value's descriptions: its name, text and SEO fields per
// language (one per LanguageIso, compared ignoring case).

// PropertyValueDescription is the spec's PropertyValueDescription.
type PropertyValueDescription struct {
	PropertyValueId    int
	Name               string
	Description        string
	SeoPath            string
	SeoMetaDescription string
	SeoTitleTag        string
	SeoMetaKeywords    string
	LanguageIso        string
}

const pathValueDescriptions = "/properties/{propertyId}/values/{propertyValueId}/descriptions"

func propertyValueDescriptionRoutes() []route {
	return []route{
		{method: "GET", path: pathValueDescriptions, opID: "PropertyHeader_QueryPropertyValueDescriptionsAsync", h: (*Emulator).listValueDescriptions},
		{method: "POST", path: pathValueDescriptions, opID: "PropertyHeader_CreatePropertyValueDescriptionAsync", write: true, h: (*Emulator).createValueDescription},
		{method: "PATCH", path: pathValueDescriptions + "/{languageIso}", opID: "PropertyHeader_UpdatePropertyValueDescriptionAsync", write: true, h: (*Emulator).patchValueDescription},
		{method: "DELETE", path: pathValueDescriptions + "/{languageIso}", opID: "PropertyHeader_DeletePropertyValueDescriptionAsync", write: true, h: (*Emulator).deleteValueDescription},
	}
}

func (e *Emulator) listValueDescriptions(c *call) reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	pid, i, nf := e.valuePath(c)
	if nf != nil {
		return *nf
	}
	list := e.st.cat.descs[e.st.cat.values[pid][i].Id]
	if list == nil {
		list = []*PropertyValueDescription{}
	}
	return jsonReply(http.StatusOK, list)
}

func (e *Emulator) createValueDescription(c *call) reply {
	d, bad := (&collectionDef[PropertyValueDescription]{}).decode(c, "PropertyHeader_CreatePropertyValueDescriptionAsync", new(PropertyValueDescription))
	e.mu.Lock()
	defer e.mu.Unlock()
	pid, i, nf := e.valuePath(c)
	if nf != nil {
		// The spec declares no 404 for this POST.
		return validationReply(map[string]string{"propertyValueId": fmt.Sprintf("The property value %s of property %s does not exist.",
			c.r.PathValue("propertyValueId"), c.r.PathValue("propertyId"))})
	}
	if bad != nil {
		return *bad
	}
	cat := e.st.cat
	vid := cat.values[pid][i].Id
	if d.PropertyValueId != vid {
		return validationReply(map[string]string{"PropertyValueId": fmt.Sprintf("PropertyValueId %d is not the value %d of the path.", d.PropertyValueId, vid)})
	}
	if slices.ContainsFunc(cat.descs[vid], func(o *PropertyValueDescription) bool { return strings.EqualFold(o.LanguageIso, d.LanguageIso) }) {
		return e.duplicate("LanguageIso", fmt.Sprintf("The property value %d has a description in '%s' already.", vid, d.LanguageIso))
	}
	cat.descs[vid] = append(cat.descs[vid], d)
	e.st.version++
	return jsonReply(http.StatusCreated, d)
}

// descPath finds the description of the path; the reply is set when there
// is none. The caller holds e.mu.
func (e *Emulator) descPath(c *call) (vid, i int, rep *reply) {
	pid, vi, nf := e.valuePath(c)
	if nf != nil {
		return 0, 0, nf
	}
	cat := e.st.cat
	vid = cat.values[pid][vi].Id
	lang := c.r.PathValue("languageIso")
	i = slices.IndexFunc(cat.descs[vid], func(o *PropertyValueDescription) bool { return strings.EqualFold(o.LanguageIso, lang) })
	if i < 0 {
		r := notFound("property value description", lang)
		return 0, 0, &r
	}
	return vid, i, nil
}

func (e *Emulator) patchValueDescription(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	vid, i, nf := e.descPath(c)
	if nf != nil {
		return *nf
	}
	cat := e.st.cat
	old := cat.descs[vid][i]
	d, bad := (&collectionDef[PropertyValueDescription]{}).decode(c, "PropertyHeader_UpdatePropertyValueDescriptionAsync", old)
	if bad != nil {
		return *bad
	}
	d.PropertyValueId, d.LanguageIso = old.PropertyValueId, old.LanguageIso // the path's
	list := slices.Clone(cat.descs[vid])
	list[i] = d
	cat.descs[vid] = list
	e.st.version++
	return noContent()
}

func (e *Emulator) deleteValueDescription(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	vid, i, nf := e.descPath(c)
	if nf != nil {
		return *nf
	}
	cat := e.st.cat
	cat.descs[vid] = slices.Delete(slices.Clone(cat.descs[vid]), i, i+1)
	e.st.version++
	return noContent()
}
