package receivers

import (
	"fmt"
	"testing"
)

func TestWindowKeepsTheLatestAndCountsAll(t *testing.T) {
	w := newWindow[int](3)
	for i := 1; i <= 100; i++ {
		w.add(i)
		if len(w.items) > 3 || cap(w.items) > 2*3+2 {
			t.Fatalf("after %d adds: len %d cap %d", i, len(w.items), cap(w.items))
		}
	}
	if got := fmt.Sprint(w.last()); got != "[98 99 100]" || w.total != 100 {
		t.Fatalf("last %s total %d", got, w.total)
	}
	w.add(101, 102, 103, 104)
	if got := fmt.Sprint(w.last()); got != "[102 103 104]" || w.total != 104 {
		t.Fatalf("after a batch: last %s total %d", got, w.total)
	}
}
