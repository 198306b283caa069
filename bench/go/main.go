// Command bench-go times nats.go's object store for the benchmark (bench/run.ts, row "nats.go [tcp]"),
// the same task the Node clients run in bench/lib/tasks.ts: create a file-storage bucket, put and get
// an unmeasured 8 MiB object, then the measured put of <size> bytes (1 MiB pieces copied from a 16 MiB
// random pool) and get of it (read to its end; nats.go checks the digest at the end), then delete the
// bucket. It is built by bench/lib/go-bench.ts in GOPATH mode against Debian's nats.go sources, offline.
//
//	bench-go <natsUrl> <bucket> <sizeBytes> <ops: put,get>
//
// One JSON line per op on stdout: {"op","ok","bytes","ms","mbps","error","mem":{"rssGrowth"}}, where
// rssGrowth is the peak RSS (VmHWM, reset through /proc/self/clear_refs) over the RSS after a GC
// right before the op.
package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

const mib = 1 << 20

type result struct {
	Op    string           `json:"op"`
	Ok    bool             `json:"ok"`
	Bytes int64            `json:"bytes"`
	Ms    float64          `json:"ms"`
	Mbps  float64          `json:"mbps"`
	Error string           `json:"error,omitempty"`
	Mem   map[string]int64 `json:"mem,omitempty"`
}

// source reads n bytes, each piece a fresh copy out of the random pool.
type source struct {
	pool []byte
	off  int
	left int64
}

func (s *source) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	n := len(p)
	if n > mib {
		n = mib
	}
	if int64(n) > s.left {
		n = int(s.left)
	}
	if n > len(s.pool)-s.off {
		n = len(s.pool) - s.off
	}
	copy(p[:n], s.pool[s.off:s.off+n])
	s.off = (s.off + n) % len(s.pool)
	s.left -= int64(n)
	return n, nil
}

func statusBytes(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`(?m)^` + field + `:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb * 1024
}

func measure(op string, size int64, fn func() (int64, error)) result {
	runtime.GC()
	base := statusBytes("VmRSS")
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	start := time.Now()
	n, err := fn()
	ms := float64(time.Since(start).Microseconds()) / 1000
	r := result{Op: op, Ok: err == nil, Bytes: n, Ms: ms, Mem: map[string]int64{"rssGrowth": statusBytes("VmHWM") - base}}
	if err != nil {
		r.Error = err.Error()
	} else if n != size {
		r.Ok, r.Error = false, fmt.Sprintf("%d bytes, expected %d", n, size)
	} else {
		r.Mbps = float64(n) / 1e6 / (ms / 1000)
	}
	line, _ := json.Marshal(r)
	fmt.Println(string(line))
	return r
}

func get(obs nats.ObjectStore, name string) (int64, error) {
	r, err := obs.Get(name)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	return io.Copy(io.Discard, r)
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: bench-go <natsUrl> <bucket> <sizeBytes> <ops>")
		os.Exit(9)
	}
	url, bucket, ops := os.Args[1], os.Args[2], strings.Split(os.Args[4], ",")
	size, err := strconv.ParseInt(os.Args[3], 10, 64)
	if err != nil {
		fail(err)
	}
	pool := make([]byte, 16*mib)
	if _, err := rand.Read(pool); err != nil {
		fail(err)
	}
	nc, err := nats.Connect(url, nats.Name("bench"), nats.MaxReconnects(0))
	if err != nil {
		fail(err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		fail(err)
	}
	obs, err := js.CreateObjectStore(&nats.ObjectStoreConfig{Bucket: bucket, Storage: nats.FileStorage})
	if err != nil {
		fail(err)
	}
	defer func() { _ = js.DeleteObjectStore(bucket) }()
	// unmeasured warm-up, as the Node tasks do
	if _, err := obs.Put(&nats.ObjectMeta{Name: "warmup"}, &source{pool: pool, left: 8 * mib}); err != nil {
		fail(err)
	}
	if _, err := get(obs, "warmup"); err != nil {
		fail(err)
	}
	stored := true
	for _, op := range ops {
		switch {
		case op == "put":
			stored = measure("put", size, func() (int64, error) {
				info, err := obs.Put(&nats.ObjectMeta{Name: "obj"}, &source{pool: pool, left: size})
				if err != nil {
					return 0, err
				}
				return int64(info.Size), nil
			}).Ok
		case op == "get" && stored:
			measure("get", size, func() (int64, error) { return get(obs, "obj") })
		case op == "get":
			line, _ := json.Marshal(result{Op: "get", Error: "not run: the put failed"})
			fmt.Println(string(line))
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}
