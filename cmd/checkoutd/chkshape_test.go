//go:build unix

package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
)

// chkSessionProblems holds obj (a webhook's data.object) to the OpenAPI
// document the running binary serves at /openapi.json, as the answer of
// GET /v1/checkout_sessions/{id}: seed 003's session, whose schema forbids
// fields it does not list, so a canonical session or a drifted copy fails.
// It returns what does not validate, "" when obj does.
func chkSessionProblems(t *testing.T, base, key, id string, obj map[string]any) string {
	t.Helper()
	res, err := http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := io.ReadAll(res.Body)
	res.Body.Close()
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatalf("the served /openapi.json does not load: %v", err)
	}
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions())
	if len(errs) > 0 {
		t.Fatalf("no validator for the served /openapi.json: %v", errs)
	}
	req, _ := http.NewRequest("GET", base+"/v1/checkout_sessions/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	body, _ := json.Marshal(obj)
	answer := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}, "Request-Id": {"req_webhook"}},
		Body: io.NopCloser(bytes.NewReader(body)), Request: req}
	ok, problems := v.ValidateHttpResponse(req, answer)
	if ok {
		return ""
	}
	var b strings.Builder
	for _, e := range problems {
		fmt.Fprintf(&b, "\n  - %s: %s", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n      %s: %s", f.FieldPath, f.Reason)
		}
	}
	if b.Len() == 0 {
		b.WriteString("\n  (the validator gave no reason)")
	}
	return b.String()
}
