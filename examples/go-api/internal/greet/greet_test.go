package greet

import "testing"

func TestMessage(t *testing.T) {
	cases := map[string]string{"": "hello, world", "  ada ": "hello, ada"}
	for name, want := range cases {
		if got := Message(name); got != want {
			t.Errorf("Message(%q) = %q, want %q", name, got, want)
		}
	}
}
