package checkout

import (
	"slices"
	"testing"
)

// Every status the state machine can reach is in SessionStatuses, which
// stores read to page over all statuses; none is listed twice.
func TestSessionStatusesCoverTheStateMachine(t *testing.T) {
	for tr, r := range transitions {
		for _, st := range []SessionStatus{r.from.status, r.to.status} {
			if !slices.Contains(SessionStatuses, st) {
				t.Errorf("transition %s reaches status %q, missing from SessionStatuses", tr, st)
			}
		}
	}
	if c := slices.Compact(slices.Sorted(slices.Values(SessionStatuses))); len(c) != len(SessionStatuses) {
		t.Errorf("SessionStatuses = %v lists a status twice", SessionStatuses)
	}
}
