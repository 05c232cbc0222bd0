package pipeline

import (
	"context"

	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/mappings"
)

// SourceFactory opens a source from its spec.
type SourceFactory func(ctx context.Context, spec *SourceSpec, env *Env) (Source, error)

// SinkFactory opens a sink from its spec.
type SinkFactory func(ctx context.Context, spec *SinkSpec, env *Env) (Sink, error)

// SourceType is what a job file's source.type names: how to open it and
// what the job loader and the runner need to know before they do.
type SourceType struct {
	Name string
	Open SourceFactory
	// Extensions infer this type from source.path when source.type is left
	// out (".csv"); lower case, with the dot.
	Extensions []string
	// ReadsFile: the source reads the local file at source.path, which the
	// job must name. The journal knows such an input by its content hash
	// (an import from any file format gets --resume), and a sink may not
	// write onto it.
	ReadsFile bool
	// NeedsConn: the source reads from the Wawi and needs source.resource
	// and a connection. Such a job is bound by the network, not the CPU.
	NeedsConn bool
	// Check catches what the schema cannot (combinations of keys); add
	// reports a problem at a YAML path. Nil for none.
	Check func(job *Job, add func(path, msg string))
}

// SinkType is what a job file's sink.type names.
type SinkType struct {
	Name string
	Open SinkFactory
	// Extensions infer this type from sink.path.
	Extensions []string
	// WritesFile: the sink writes the local file at sink.path, which the job
	// must name; it may not be the source or the job file.
	WritesFile bool
	// NeedsConn: the sink writes to the Wawi and needs sink.resource and a
	// connection.
	NeedsConn bool
	// Check catches what the schema cannot; nil for none.
	Check func(job *Job, add func(path, msg string))
	// CheckTargets checks the mapping's targets against what the sink can
	// write, without a connection (etl validate). A TargetErrors is placed
	// at each target's line. Nil for sinks that write any target.
	CheckTargets func(ctx context.Context, spec *SinkSpec, targets []mappings.Target) error
}

// regMu is never held while schemaMu is taken: building the schema (under
// schemaMu) reads the registry, so a registration marks the schema stale
// after it let go of regMu (the other order deadlocked a registration
// against a job being loaded).
var (
	regMu       sync.RWMutex
	sourceTypes = map[string]SourceType{}
	sinkTypes   = map[string]SinkType{}
)

// AddSourceType registers a source type; a second registration of a name
// replaces the first.
func AddSourceType(t SourceType) {
	regMu.Lock()
	sourceTypes[t.Name] = t
	regMu.Unlock()
	schemaStale()
}

// AddSinkType registers a sink type.
func AddSinkType(t SinkType) {
	regMu.Lock()
	sinkTypes[t.Name] = t
	regMu.Unlock()
	schemaStale()
}

// RegisterSource sets the factory of a source type, keeping what else was
// registered for it (tests replace a factory this way).
func RegisterSource(kind string, f SourceFactory) {
	regMu.Lock()
	t := sourceTypes[kind]
	t.Name, t.Open = kind, f
	sourceTypes[kind] = t
	regMu.Unlock()
	schemaStale()
}

// RegisterSink sets the factory of a sink type, keeping what else was
// registered for it.
func RegisterSink(kind string, f SinkFactory) {
	regMu.Lock()
	t := sinkTypes[kind]
	t.Name, t.Open = kind, f
	sinkTypes[kind] = t
	regMu.Unlock()
	schemaStale()
}

// LookupSourceType returns the registered source type of that name.
func LookupSourceType(name string) (SourceType, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	t, ok := sourceTypes[name]
	return t, ok
}

// LookupSinkType returns the registered sink type of that name.
func LookupSinkType(name string) (SinkType, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	t, ok := sinkTypes[name]
	return t, ok
}

// SourceTypes lists the registered source types.
func SourceTypes() []string { return keys(sourceTypes) }

// SinkTypes lists the registered sink types.
func SinkTypes() []string { return keys(sinkTypes) }

func keys[V any](m map[string]V) []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SourceTypeForPath is the source type whose extensions match path's, ""
// when none does.
func SourceTypeForPath(path string) string {
	ext := strings.ToLower(filepath.Ext(path))
	if IsRemote(path) {
		ext = remoteExt(path) // no query string
	}
	regMu.RLock()
	defer regMu.RUnlock()
	for _, name := range sortedNames(sourceTypes) {
		for _, e := range sourceTypes[name].Extensions {
			if e == ext {
				return name
			}
		}
	}
	return ""
}

// SinkTypeForPath is the sink type whose extensions match path's.
func SinkTypeForPath(path string) string {
	ext := strings.ToLower(filepath.Ext(path))
	regMu.RLock()
	defer regMu.RUnlock()
	for _, name := range sortedNames(sinkTypes) {
		for _, e := range sinkTypes[name].Extensions {
			if e == ext {
				return name
			}
		}
	}
	return ""
}

// sortedNames under regMu: the first registered match by name wins, the
// same on every run.
func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// NeedsConn reports whether any part of a job talks to the Wawi: its
// source, its sink, or a lookup of its mapping.
func NeedsConn(job *Job) bool {
	if t, ok := LookupSourceType(job.Source.Type); ok && t.NeedsConn {
		return true
	}
	if t, ok := LookupSinkType(job.Sink.Type); ok && t.NeedsConn {
		return true
	}
	for _, l := range job.Mapping.Lookups {
		if l.ERP != "" {
			return true
		}
	}
	return false
}

// OpenSource opens the source a spec names.
func OpenSource(ctx context.Context, spec *SourceSpec, env *Env) (Source, error) {
	t, ok := LookupSourceType(spec.Type)
	if !ok || t.Open == nil {
		return nil, fmt.Errorf("source.type %q is unknown (known: %v)", spec.Type, SourceTypes())
	}
	src, err := t.Open(ctx, spec, env)
	if err != nil {
		return nil, err
	}
	if spec.Unpivot != nil { // unpivot.go
		if src, err = newUnpivotSource(src, spec, t.ReadsFile); err != nil {
			return nil, err
		}
	}
	if spec.GroupBy != nil { // group.go
		return newGroupSource(src, spec, t.ReadsFile)
	}
	return src, nil
}

// OpenSink opens the sink a spec names.
func OpenSink(ctx context.Context, spec *SinkSpec, env *Env) (Sink, error) {
	t, ok := LookupSinkType(spec.Type)
	if !ok || t.Open == nil {
		return nil, fmt.Errorf("sink.type %q is unknown (known: %v)", spec.Type, SinkTypes())
	}
	return t.Open(ctx, spec, env)
}
