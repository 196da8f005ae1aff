package quota

// Limits are every limit the API enforces (set from QUOTA_* and
// CHAT_RATE_PER_MINUTE; a zero Limit is off).
type Limits struct {
	// Per user.
	ChatPerMinute      Limit // chat messages (each one AI call)
	DeploymentsPerHour Limit // deployments and rollbacks requested
	DeploymentsPerDay  Limit
	CodegenPerHour     Limit // deployments that generate code (not rollbacks)
	CodegenPerDay      Limit
	AITokensPerDay     int64 // chat and code generation tokens, per UTC day
	// Per client address.
	SignInPerMinute    Limit // dev login, OIDC login and callback, token refresh
	AnonymousPerMinute Limit // public routes used without signing in
}

// Names of the limits, as the 429 answers and the metrics name them.
const (
	NameChat               = "chat_per_minute"
	NameDeploymentsPerHour = "deployments_per_hour"
	NameDeploymentsPerDay  = "deployments_per_day"
	NameCodegenPerHour     = "codegen_per_hour"
	NameCodegenPerDay      = "codegen_per_day"
	NameSignIn             = "sign_in_per_ip_per_minute"
	NameAnonymous          = "anonymous_per_ip_per_minute"
)

// Counts are the numbers behind Limits.
type Counts struct {
	ChatPerMinute, DeploymentsPerHour, DeploymentsPerDay, CodegenPerHour, CodegenPerDay int
	SignInPerMinute, AnonymousPerMinute                                                 int
	AITokensPerDay                                                                      int64
}

// NewLimits names each count's limit; a count of 0 turns its limit off.
func NewLimits(c Counts) Limits {
	return Limits{
		ChatPerMinute:      PerMinute(NameChat, c.ChatPerMinute),
		DeploymentsPerHour: PerHour(NameDeploymentsPerHour, c.DeploymentsPerHour),
		DeploymentsPerDay:  PerDay(NameDeploymentsPerDay, c.DeploymentsPerDay),
		CodegenPerHour:     PerHour(NameCodegenPerHour, c.CodegenPerHour),
		CodegenPerDay:      PerDay(NameCodegenPerDay, c.CodegenPerDay),
		AITokensPerDay:     c.AITokensPerDay,
		SignInPerMinute:    PerMinute(NameSignIn, c.SignInPerMinute),
		AnonymousPerMinute: PerMinute(NameAnonymous, c.AnonymousPerMinute),
	}
}
