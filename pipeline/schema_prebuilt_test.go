package pipeline

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A prebuilt schema is the one job files are checked against, until a type
// registered afterwards makes it out of date.
func TestPrebuiltSchemaUsedUntilTheRegistryChanges(t *testing.T) {
	fresh, err := FreshSchema()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { UsePrebuiltSchema(nil, nil) })
	// the prebuilt copy forbids a key the types allow (the first delimiter:
	// the sink's): a job using it must
	// fail only while the copy is in use
	marked := bytes.Replace(fresh, []byte(`"title": "etl job file"`), []byte(`"title": "prebuilt"`), 1)
	strict := bytes.Replace(marked, []byte(`"delimiter": {`), []byte(`"delimiter": false, "x-was": {`), 1)
	if bytes.Equal(strict, marked) || bytes.Equal(marked, fresh) {
		t.Fatal("the schema has no title or no delimiter to change")
	}
	UsePrebuiltSchema(append(strict, '\n'), nil)
	if !strings.Contains(string(Schema()), `"title": "prebuilt"`) {
		t.Fatal("Schema() is not the prebuilt one")
	}
	job := writeJob(t, "source:\n  type: csv\n  path: a.csv\nsink:\n  type: csv\n  path: b.csv\n  delimiter: ';'\n")
	if _, err := LoadJob(job, LoadOptions{LookupEnv: env(nil)}); err == nil || !strings.Contains(err.Error(), "delimiter") {
		t.Fatalf("with the prebuilt schema: %v, want an error about delimiter", err)
	}
	st, _ := LookupSinkType("csv")
	RegisterSink("csv", st.Open) // a registration, as a test makes
	if strings.Contains(string(Schema()), `"title": "prebuilt"`) {
		t.Error("the prebuilt schema outlived a registration")
	}
	if _, err := LoadJob(job, LoadOptions{LookupEnv: env(nil)}); err != nil {
		t.Errorf("with the generated schema: %v", err)
	}
}

// A type registered while a job is being loaded: building the schema reads
// the registry, and a registration marks the schema stale; neither may
// wait for the other.
func TestRegistrationBesideSchemaBuildDoesNotDeadlock(t *testing.T) {
	st, _ := LookupSinkType("csv")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 300 {
			RegisterSink("csv", st.Open)
		}
	}()
	building := make(chan struct{})
	go func() {
		defer close(building)
		for range 300 {
			Schema()
		}
	}()
	timeout := time.After(20 * time.Second)
	for _, c := range []chan struct{}{done, building} {
		select {
		case <-c:
		case <-timeout:
			t.Fatal("a registration and a schema build wait for each other")
		}
	}
}
