//go:build unix

package main_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestKeysCommands runs keys list, revoke and roll of the real binary
// beside a running server on the same store: a key revoked by the command
// is refused by the server (which had it cached) within seconds, and a
// rolled key keeps working for its overlap beside the new one.
func TestKeysCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	const key = "sk_test_keysCommands_0123456789ab"
	srv := startServer(t, data, "--bootstrap-key", key)
	c := newClient(key, srv)
	if _, err := c.Sessions.List(ctx, nil); err != nil {
		t.Fatalf("the bootstrap key: %v", err)
	}

	list := func(args ...string) []string {
		t.Helper()
		stdout, stderr, code := runCLI(t, nil, append([]string{"keys", "list", "--data", data}, args...)...)
		if code != 0 {
			t.Fatalf("keys list %q: exit %d\n%s%s", args, code, stdout, stderr)
		}
		if strings.Contains(stdout, "sk_test_") {
			t.Fatalf("keys list prints a secret:\n%s", stdout)
		}
		return strings.Split(strings.TrimSpace(stdout), "\n")
	}
	lines := list()
	if len(lines) != 1 {
		t.Fatalf("keys list: %q; want the bootstrap key", lines)
	}
	f := strings.Split(lines[0], "\t")
	if len(f) != 7 || !strings.HasPrefix(f[0], "key_") || f[1] != "acct_default" || f[2] != "test" || f[3] != "…"+key[len(key)-4:] || f[6] != "active" {
		t.Fatalf("keys list line %q; want id, account, mode, hint, created, last used, state", lines[0])
	}
	if _, err := time.Parse(time.RFC3339, f[4]); err != nil {
		t.Errorf("created %q: %v", f[4], err)
	}
	bootID := f[0]
	// The SDK sees the same key through the API.
	if l, err := c.APIKeys.List(ctx, nil); err != nil || len(l.Data) != 1 || l.Data[0].ID != bootID || l.Data[0].Secret != "" {
		t.Fatalf("APIKeys.List: %+v, %v; want the bootstrap key, no secret", l, err)
	}
	// The server records the key's use off the request path: the list
	// shows it soon.
	for deadline := time.Now().Add(10 * time.Second); ; {
		f = strings.Split(list("--account", "acct_default")[0], "\t")
		if _, err := time.Parse(time.RFC3339, f[5]); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("last used is still %q after 10 s", f[5])
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Roll, the key id after its flags and before them.
	stdout, stderr, code := runCLI(t, nil, "keys", "roll", bootID, "--data", data, "--expire-old-in", "1h")
	next := field(stdout, "secret_key")
	if code != 0 || !strings.HasPrefix(next, "sk_test_") || field(stdout, "old_key_expires") == "" {
		t.Fatalf("keys roll KEY_ID --expire-old-in 1h: exit %d\n%s%s", code, stdout, stderr)
	}
	nextID := field(stdout, "key_id")
	for _, k := range []string{key, next} {
		if _, err := newClient(k, srv).Sessions.List(ctx, nil); err != nil {
			t.Errorf("within the overlap: %v", err)
		}
	}
	_, stderr, code = runCLI(t, nil, "keys", "roll", "--expire-old-in", "1h", "--data", data, bootID)
	if code == 0 || !strings.Contains(stderr, "rolled already") {
		t.Errorf("keys roll of a rolled key: exit %d, stderr %q", code, stderr)
	}
	stdout, stderr, code = runCLI(t, nil, "keys", "roll", "--expire-old-in", "0s", "--data", data, nextID)
	third := field(stdout, "secret_key")
	if code != 0 || third == "" {
		t.Fatalf("keys roll --expire-old-in 0s KEY_ID: exit %d\n%s%s", code, stdout, stderr)
	}
	waitRefused(t, srv, next, "api_key_expired")

	// Revoke the third key while the server has it cached.
	if _, err := newClient(third, srv).Sessions.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var thirdID string
	for _, l := range list() {
		if strings.HasSuffix(strings.Split(l, "\t")[3], third[len(third)-4:]) {
			thirdID = strings.Split(l, "\t")[0]
		}
	}
	stdout, stderr, code = runCLI(t, nil, "keys", "revoke", thirdID, "--data", data)
	if code != 0 || !strings.Contains(stdout, "revoked: "+thirdID) {
		t.Fatalf("keys revoke: exit %d\n%s%s", code, stdout, stderr)
	}
	waitRefused(t, srv, third, "api_key_revoked")
	if _, _, code := runCLI(t, nil, "keys", "revoke", "--data", data, thirdID); code != 0 {
		t.Errorf("revoking a revoked key: exit %d, want 0 (nothing changes)", code)
	}
	states := map[string]string{}
	for _, l := range list() {
		f := strings.Split(l, "\t")
		states[f[0]] = f[6]
	}
	if states[thirdID] != "revoked" || !strings.HasPrefix(states[bootID], "expires ") || !strings.HasPrefix(states[nextID], "expired ") {
		t.Errorf("states after revoke and rolls: %v", states)
	}

	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"keys", "revoke"}, "key id"},
		{[]string{"keys", "revoke", "key_nope"}, "key_nope"},
		{[]string{"keys", "revoke", "key_a", "key_b"}, "key_b"},
		{[]string{"keys", "roll", bootID, "--expire-old-in", "200h"}, "--expire-old-in"},
		{[]string{"keys", "roll", "key_nope"}, "key_nope"},
		{[]string{"keys", "list", "--account", "acct_nope"}, "acct_nope"},
	} {
		stdout, stderr, code := runCLI(t, nil, append(c.args, "--data", data)...)
		if code == 0 || !strings.Contains(stderr, c.says) || strings.Contains(stdout, "secret_key") {
			t.Errorf("checkoutd %q: exit %d, stderr %q; want a failure naming %q", c.args, code, stderr, c.says)
		}
	}
	for _, sub := range []string{"list", "revoke", "roll"} {
		stdout, stderr, code := runCLI(t, nil, "keys", sub, "--help")
		if code != 0 || !strings.Contains(stdout+stderr, "keys "+sub) {
			t.Errorf("keys %s --help: exit %d\n%s%s", sub, code, stdout, stderr)
		}
	}
}

// waitRefused waits (a few seconds at most: the server's key cache) until
// the server refuses key with code.
func waitRefused(t *testing.T, srv *proc, key, code string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, err := newClient(key, srv).Sessions.List(context.Background(), nil)
		if err != nil {
			apiError(t, "a refused key", err, http.StatusUnauthorized, code)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server still accepts the key after 10 s; want %s", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
