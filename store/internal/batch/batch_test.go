package batch_test

import (
	"slices"
	"testing"

	"github.com/checkoutd/checkoutd/store/internal/batch"
)

func TestFill(t *testing.T) {
	ch := make(chan int, 10)
	for i := range 5 {
		ch <- i
	}
	if got := batch.Fill([]int{-1}, ch, 3); !slices.Equal(got, []int{-1, 0, 1}) {
		t.Errorf("Fill up to 3 = %v, want [-1 0 1]", got)
	}
	// It takes what is queued and returns at once when the channel is empty.
	if got := batch.Fill(nil, ch, 10); !slices.Equal(got, []int{2, 3, 4}) {
		t.Errorf("Fill of the rest = %v, want [2 3 4]", got)
	}
	ch <- 7
	close(ch)
	if got := batch.Fill(nil, ch, 10); !slices.Equal(got, []int{7}) {
		t.Errorf("Fill of a closed channel = %v, want [7]", got)
	}
}
