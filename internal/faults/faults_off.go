//go:build !faults

package faults

import "context"

// Enabled reports whether fault hooks are compiled in.
const Enabled = false

// Hold returns at once: fault hooks are compiled out.
func Hold(context.Context, string, string, func()) {}

// Kill returns at once: fault hooks are compiled out.
func Kill(string) {}
