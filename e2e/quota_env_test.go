package e2e_test

// quotasOff turns off the per-user and per-address limits in the stacks
// these tests start: they deploy and sign in far more often, from one
// address, than a person would (the limits themselves are tested in api and
// internal/quota). A test that wants limits passes its own QUOTA_* after
// these (the last value of a variable wins).
var quotasOff = []string{
	"QUOTA_DEPLOYMENTS_PER_HOUR=0", "QUOTA_DEPLOYMENTS_PER_DAY=0",
	"QUOTA_CODEGEN_PER_HOUR=0", "QUOTA_CODEGEN_PER_DAY=0", "QUOTA_AI_TOKENS_PER_DAY=0",
	"QUOTA_SIGN_IN_PER_MINUTE=0", "QUOTA_ANONYMOUS_PER_MINUTE=0",
}
