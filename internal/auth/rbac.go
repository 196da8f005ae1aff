package auth

// Permission names one thing a role may do.
type Permission string

// The platform's permissions (see docs/architecture.md, Security).
const (
	ReadTemplates     Permission = "read:templates"
	CreateProject     Permission = "create:project"
	Chat              Permission = "chat"
	DeployProject     Permission = "deploy:project"
	ApproveDeployment Permission = "approve:deployment"
	SubmitTemplate    Permission = "submit:template"
	PublishTemplate   Permission = "publish:template"
	ApproveTemplate   Permission = "approve:template"
	AdminUsers        Permission = "admin:users"
	ReadAudit         Permission = "read:audit"
	ReadAnalytics     Permission = "read:analytics"
)

var basePermissions = []Permission{ReadTemplates, CreateProject, Chat}

// rolePermissions is the one table of what each role may do; routes declare
// the permission they need (api/routes.go) and are checked against it.
var rolePermissions = map[string][]Permission{
	"business_user":  basePermissions,
	"technical_user": append(append([]Permission{}, basePermissions...), DeployProject, ApproveDeployment, SubmitTemplate),
	"admin": append(append([]Permission{}, basePermissions...), DeployProject, ApproveDeployment, SubmitTemplate,
		PublishTemplate, ApproveTemplate, AdminUsers, ReadAudit, ReadAnalytics),
}

// Can reports whether role grants p. Unknown roles grant nothing.
func Can(role string, p Permission) bool {
	for _, have := range rolePermissions[role] {
		if have == p {
			return true
		}
	}
	return false
}

// Permissions lists what role grants, for the profile response.
func Permissions(role string) []Permission {
	return append([]Permission(nil), rolePermissions[role]...)
}
