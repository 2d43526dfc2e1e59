package receivers

// window keeps the last limit items appended and counts them all: the
// receivers keep what the tests and the demo's report read, never all of a
// long run's traffic.
type window[T any] struct {
	limit int
	items []T
	total int
}

func newWindow[T any](limit int) window[T] { return window[T]{limit: limit} }

func (w *window[T]) add(items ...T) {
	w.total += len(items)
	w.items = append(w.items, items...)
	if over := len(w.items) - w.limit; over > 0 {
		// Drop the oldest, reusing the array once it is twice the limit.
		if cap(w.items) >= 2*w.limit {
			w.items = append(w.items[:0], w.items[over:]...)
		} else {
			w.items = w.items[over:]
		}
	}
}

// last is a copy of the kept items, oldest first.
func (w *window[T]) last() []T { return append([]T(nil), w.items...) }
