// Package greet builds the api's greeting.
package greet

import "strings"

// Message greets name, or the world when name is blank.
func Message(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "world"
	}
	return "hello, " + name
}
