// Package faults lets the fault-matrix tests stop the platform at chosen
// points: hold a pipeline step of one deployment, or kill the process at
// a point of a request. It is compiled in only with the `faults` build tag
// (see faults_on.go); in every other build each hook is an empty function,
// so production binaries carry no way to trigger it.
package faults

// Points of the platform where a test may inject a fault.
const (
	// APIAfterInsert is right after the API stored a deployment and before
	// it starts the deployment's workflow.
	APIAfterInsert = "api.after_insert"
)
