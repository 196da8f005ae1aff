// Package activities holds the activities of the workflows: all of their I/O
// (AI code generation, build, publish, verify, notifications), as methods on
// structs that hold their dependencies. The deployment pipeline adds them.
package activities
