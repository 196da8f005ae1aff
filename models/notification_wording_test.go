package models

import "testing"

// A successful deployment's notification reads as news, with its address.
func TestDeploymentNotificationWording(t *testing.T) {
	d := map[string]any{"status": "deployed", "url": "http://apps.test/harbor/"}
	if got := notificationTitle(NoticeDeploymentFinished, d); got != "Deployment live" {
		t.Errorf("title %q", got)
	}
	if got := notificationMessage(NoticeDeploymentFinished, d); got != "Your app is live at http://apps.test/harbor/" {
		t.Errorf("message %q", got)
	}
	failed := map[string]any{"status": "failed", "error": "build failed"}
	if got := notificationTitle(NoticeDeploymentFinished, failed); got != "Deployment failed" {
		t.Errorf("failed title %q", got)
	}
}
