package main

import "testing"

func TestPostgresSessionsAreNamedAfterTheCommand(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u@h/db?sslmode=disable":               "postgres://u@h/db?application_name=platform-worker&sslmode=disable",
		"postgres://u@h/db?application_name=mine":         "postgres://u@h/db?application_name=mine",
		"postgres://u@h/db?search_path=s&sslmode=disable": "postgres://u@h/db?application_name=platform-worker&search_path=s&sslmode=disable",
	} {
		if got := withApplicationName(in, "platform-worker"); got != want {
			t.Errorf("withApplicationName(%q) = %q, want %q", in, got, want)
		}
	}
}
