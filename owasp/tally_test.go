package owasp_test

import (
	"fmt"
	"io"
	"sync/atomic"
	"testing"
)

// The ten categories of the OWASP API Security Top 10 (2023).
const (
	API1 = iota
	API2
	API3
	API4
	API5
	API6
	API7
	API8
	API9
	API10
)

type category struct {
	id, name       string
	tried, refused atomic.Int64
}

var categories = [...]*category{
	API1:  {id: "API1:2023", name: "Broken Object Level Authorization"},
	API2:  {id: "API2:2023", name: "Broken Authentication"},
	API3:  {id: "API3:2023", name: "Broken Object Property Level Authorization"},
	API4:  {id: "API4:2023", name: "Unrestricted Resource Consumption"},
	API5:  {id: "API5:2023", name: "Broken Function Level Authorization"},
	API6:  {id: "API6:2023", name: "Unrestricted Access to Sensitive Business Flows"},
	API7:  {id: "API7:2023", name: "Server Side Request Forgery"},
	API8:  {id: "API8:2023", name: "Security Misconfiguration"},
	API9:  {id: "API9:2023", name: "Improper Inventory Management"},
	API10: {id: "API10:2023", name: "Unsafe Consumption of APIs"},
}

// attack runs one attack of category cat against the running platform and
// counts it. check returns nil when the platform refused the attack, and
// otherwise what got through: the test then fails, since a hole was found.
func attack(t *testing.T, cat int, name string, check func() error) {
	t.Helper()
	c := categories[cat]
	c.tried.Add(1)
	if err := check(); err != nil {
		t.Errorf("%s %s: NOT REFUSED: %v", c.id, name, err)
		return
	}
	c.refused.Add(1)
}

// printTable writes the suite's table, computed from the attacks run.
func printTable(w io.Writer) {
	var tried, refused int64
	for _, c := range categories {
		tried += c.tried.Load()
	}
	if tried == 0 {
		return
	}
	fmt.Fprintln(w, "\nOWASP API Security Top 10 (2023): attacks on the running platform")
	fmt.Fprintln(w, "| category | attacks tried | refused |")
	fmt.Fprintln(w, "|---|---:|---:|")
	tried = 0
	for _, c := range categories {
		fmt.Fprintf(w, "| %s %s | %d | %d |\n", c.id, c.name, c.tried.Load(), c.refused.Load())
		tried += c.tried.Load()
		refused += c.refused.Load()
	}
	fmt.Fprintf(w, "| total | %d | %d |\n", tried, refused)
}
