// Prints, to stderr, events of the kinds real Go programs print there: log lines, recovered
// panics logged with debug.Stack() (as net/http's server logs them), dumps of all goroutines
// (runtime.Stack), and at the end the runtime's own report of how the process died: a panic
// (runtime error, nil map, nil pointer with its [signal] line, error value, a repanic marked
// [recovered], a message of several lines, a panic in another goroutine), a fatal error (deadlock,
// stack overflow) or the dump of all goroutines (GOTRACEBACK=all, system). Every stack trace is
// printed by the Go runtime.
//
// Usage: events MODE COUNT SEED. The first line is "… process MODE starting"; for each event it
// prints to stdout how many lines the event wrote to stderr (the manifest); what the process
// writes to stderr after the last counted event is the runtime's report, one event.
//
// Not printed, because no line rule can tell it from the log line before (see
// docs/plugins/multiline.md): debug.PrintStack() without a log line of its own before it.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
)

type account struct {
	balances map[string]int
}

func (a *account) charge(user string, amount int) int {
	return a.balances[user] - amount
}

type declinedError struct{ code int }

func (e *declinedError) Error() string { return fmt.Sprintf("card declined (code %d)", e.code) }

func first[T any](items []T, n int) T { return items[n] }

func recurse(n int, work func()) {
	if n == 0 {
		work()
		return
	}
	recurse(n-1, work)
}

// failure panics in one of the ways real programs do.
func failure(rng *rand.Rand, i int) func() {
	switch rng.Intn(7) {
	case 0:
		return func() { _ = first([]int{1, 2, 3}, 3+i%5) }
	case 1:
		return func() {
			var m map[string]int
			m[fmt.Sprint("ev-", i)] = 1
		}
	case 2:
		return func() {
			var a *account
			_ = a.charge("u", i)
		}
	case 3:
		return func() { panic(fmt.Errorf("ev-%d charging: %w", i, &declinedError{code: 51})) }
	case 4:
		return func() { panic(errors.New("ev-" + strconv.Itoa(i) + " unreachable")) }
	case 5:
		return func() { panic(fmt.Sprintf("ev-%d invalid state %q", i, "closed")) }
	default:
		return func() { _ = strconv.Itoa(10 / (i - i)) }
	}
}

var logger = log.New(os.Stderr, "", log.LstdFlags)

func recovered(rng *rand.Rand, i int, report func(r any, stack []byte)) {
	defer func() {
		if r := recover(); r != nil {
			report(r, debug.Stack())
		}
	}()
	recurse(rng.Intn(6), failure(rng, i))
}

// event prints one event to stderr.
func event(rng *rand.Rand, i int) {
	switch rng.Intn(6) {
	case 0, 1:
		switch rng.Intn(4) {
		case 0:
			logger.Printf("ev-%d request handled in %d ms", i, rng.Intn(900))
		case 1:
			fmt.Fprintf(os.Stderr, "level=info msg=\"ev-%d cache refreshed\" entries=%d\n", i, rng.Intn(1000))
		case 2:
			fmt.Fprintf(os.Stderr, "GET /orders/%d (200) ev-%d\n", rng.Intn(1000), i)
		default:
			logger.Printf("ev-%d error: upstream timeout after %ds", i, rng.Intn(30))
		}
	case 2:
		recovered(rng, i, func(r any, stack []byte) { logger.Printf("ev-%d recovered: %v\n%s", i, r, stack) })
	case 3:
		// net/http's server: "http: panic serving ADDR: VALUE\nSTACK"
		recovered(rng, i, func(r any, stack []byte) {
			logger.Printf("http: panic serving 10.0.%d.%d:%d: ev-%d %v\n%s", rng.Intn(255), rng.Intn(255), 30000+rng.Intn(30000), i, r, stack)
		})
	case 4:
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		logger.Printf("ev-%d SIGQUIT: dumping goroutines\n%s", i, buf[:n])
	default:
		fmt.Fprintf(os.Stderr, "ev-%d panic: is the word in this line, %s\n", i, strings.Repeat("x", rng.Intn(20)))
	}
}

// background starts goroutines that wait (on no timer, so that a deadlock is still seen as one),
// so that dumps show several.
func background() {
	ch := make(chan int)
	var mu sync.Mutex
	mu.Lock()
	go func() { <-ch }()
	go func() { mu.Lock() }()
	go func() {
		select {
		case <-ch:
		case ch <- 1:
		}
	}()
	runtime.Gosched()
}

func end(mode string, rng *rand.Rand) {
	switch mode {
	case "index":
		recurse(rng.Intn(5), func() { _ = first([]string{"a"}, 1+rng.Intn(3)) })
	case "nilmap":
		var m map[string]int
		m["x"] = 1
	case "nilptr":
		var a *account
		_ = a.balances["x"]
	case "error":
		panic(fmt.Errorf("charging: %w", &declinedError{code: 51}))
	case "repanic":
		defer func() {
			r := recover()
			panic(fmt.Sprint("cleanup failed after: ", r))
		}()
		panic("connection reset")
	case "repanic-same":
		defer func() { panic(recover()) }()
		panic(errors.New("connection reset"))
	case "multiline":
		panic("query failed:\nSELECT * FROM orders\nWHERE id = 7")
	case "goroutine":
		done := make(chan struct{})
		go func() {
			defer close(done)
			recurse(3, func() { _ = first([]int{}, 0) })
		}()
		<-done
	case "deadlock":
		var wg sync.WaitGroup
		wg.Add(1)
		wg.Wait()
	case "overflow":
		debug.SetMaxStack(1 << 18)
		var f func(int) int
		f = func(n int) int { return f(n+1) + 1 }
		f(0)
	case "all":
		debug.SetTraceback("all")
		panic("shutting down")
	case "system":
		debug.SetTraceback("system")
		var a *account
		_ = a.charge("u", 1)
	case "fatal":
		logger.Fatalf("cannot open config: %v", os.ErrNotExist)
	default:
		// a clean exit
	}
}

func main() {
	mode := os.Args[1]
	count, _ := strconv.Atoi(os.Args[2])
	seed, _ := strconv.ParseInt(os.Args[3], 10, 64)
	rng := rand.New(rand.NewSource(seed))
	background()
	logger.Printf("process %s starting", mode)
	fmt.Println(1)
	out := os.Stderr
	for i := 0; i < count; i++ {
		r, w, _ := os.Pipe()
		os.Stderr = w
		logger.SetOutput(w)
		captured := make(chan []byte)
		go func() {
			var b bytes.Buffer
			_, _ = b.ReadFrom(r)
			captured <- b.Bytes()
		}()
		event(rng, i)
		w.Close()
		text := <-captured
		os.Stderr = out
		logger.SetOutput(out)
		if len(text) == 0 || text[len(text)-1] != '\n' {
			panic(fmt.Sprintf("event %d printed %q", i, text))
		}
		_, _ = out.Write(text)
		fmt.Println(bytes.Count(text, []byte("\n")))
	}
	end(mode, rng)
}
