package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestTableIsCurrent regenerates the table in memory and compares it byte for
// byte with the checked-in erp/spec/table.go.
func TestTableIsCurrent(t *testing.T) {
	doc, err := os.ReadFile("../../contract/openapi-cloud-1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := generate(doc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../table.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			if i >= len(gl) || i >= len(wl) || gl[i] != wl[i] {
				var g, w string
				if i < len(gl) {
					g = gl[i]
				}
				if i < len(wl) {
					w = wl[i]
				}
				t.Fatalf("erp/spec/table.go is stale (run go generate ./...): first difference at line %d:\n have %q\n want %q", i+1, g, w)
			}
		}
	}
}

// The generator refuses what the table cannot express instead of dropping it.
func TestGenerateRefusesUnsupported(t *testing.T) {
	for name, doc := range map[string]string{
		"allOf":          `{"info":{"x-application-version":"1"},"components":{"schemas":{"A":{"allOf":[{"type":"string"}]}}}}`,
		"ref siblings":   `{"info":{"x-application-version":"1"},"components":{"schemas":{"A":{"type":"string"},"B":{"$ref":"#/components/schemas/A","maxLength":3}}}}`,
		"dangling ref":   `{"info":{"x-application-version":"1"},"components":{"schemas":{"B":{"$ref":"#/components/schemas/A"}}}}`,
		"status range":   `{"info":{"x-application-version":"1"},"paths":{"/a":{"get":{"operationId":"A","responses":{"2XX":{}}}}}}`,
		"no app version": `{"info":{}}`,
	} {
		if _, err := generate([]byte(doc)); err == nil {
			t.Errorf("%s: generated a table", name)
		}
	}
}
