// Command interop-go is a command-line nats.go object store peer for the interop tests
// (test/node/interop-go.test.ts). It is built against Debian's nats.go sources
// (golang-github-nats-io-go-nats-dev, GOPATH /usr/share/gocode) with no network access.
//
// Every command connects over TCP to <url>, does one thing and exits. Object names are passed as hex
// of their UTF-8 bytes so that any name survives argv. Results are JSON on stdout; errors are
// printed on stderr as `error: <kind>: <message>` with an exit code per kind:
//
//	1 other, 2 object not found, 3 digest mismatch, 4 bad object meta, 5 bucket not found,
//	6 link to a bucket on get, 7 object already exists, 9 usage
//
// Commands:
//
//	createbucket <url> <bucket> [description]
//	status       <url> <bucket>
//	put          <url> <bucket> <namehex> <infile> [description]   prints the ObjectInfo
//	get          <url> <bucket> <namehex> <outfile>        writes the bytes (digest verified), prints the info
//	info         <url> <bucket> <namehex> [deleted]        prints the ObjectInfo ("deleted": show deleted)
//	link         <url> <bucket> <namehex> <targetbucket> <targetnamehex>
//	bucketlink   <url> <bucket> <namehex> <targetbucket>
//	list         <url> <bucket>                            prints a JSON array (empty when none)
//	delete       <url> <bucket> <namehex>
package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nats-io/nats.go"
)

func main() {
	if len(os.Args) < 4 {
		usage()
	}
	cmd, url, bucket, rest := os.Args[1], os.Args[2], os.Args[3], os.Args[4:]

	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		fail(err)
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.MaxWait(10 * time.Second))
	if err != nil {
		fail(err)
	}

	if cmd == "createbucket" {
		cfg := &nats.ObjectStoreConfig{Bucket: bucket}
		if len(rest) > 0 {
			cfg.Description = rest[0]
		}
		if _, err := js.CreateObjectStore(cfg); err != nil {
			fail(err)
		}
		out(map[string]string{"bucket": bucket})
		return
	}

	os_, err := js.ObjectStore(bucket)
	if err != nil {
		fail(err)
	}

	switch cmd {
	case "status":
		st, err := os_.Status()
		if err != nil {
			fail(err)
		}
		out(map[string]interface{}{
			"bucket": st.Bucket(), "description": st.Description(), "sealed": st.Sealed(),
			"replicas": st.Replicas(), "storage": st.Storage().String(), "backingStore": st.BackingStore(),
		})
	case "put":
		need(rest, 2)
		f, err := os.Open(rest[1])
		if err != nil {
			fail(err)
		}
		defer f.Close()
		meta := &nats.ObjectMeta{Name: name(rest[0])}
		if len(rest) > 2 {
			meta.Description = rest[2]
		}
		info, err := os_.Put(meta, f)
		if err != nil {
			fail(err)
		}
		out(info)
	case "get":
		need(rest, 2)
		res, err := os_.Get(name(rest[0]))
		if err != nil {
			fail(err)
		}
		f, err := os.Create(rest[1])
		if err != nil {
			fail(err)
		}
		if _, err := io.Copy(f, res); err != nil {
			fail(err)
		}
		// Read returns the digest error with EOF; make sure a late error is not missed either.
		if err := res.Error(); err != nil {
			fail(err)
		}
		res.Close()
		if err := f.Close(); err != nil {
			fail(err)
		}
		info, err := res.Info()
		if err != nil {
			fail(err)
		}
		out(info)
	case "info":
		need(rest, 1)
		var opts []nats.GetObjectInfoOpt
		if len(rest) > 1 && rest[1] == "deleted" {
			opts = append(opts, nats.GetObjectInfoShowDeleted())
		}
		info, err := os_.GetInfo(name(rest[0]), opts...)
		if err != nil {
			fail(err)
		}
		out(info)
	case "link":
		need(rest, 3)
		var target *nats.ObjectInfo
		if rest[1] == bucket {
			target, err = os_.GetInfo(name(rest[2]))
		} else {
			var tos nats.ObjectStore
			if tos, err = js.ObjectStore(rest[1]); err == nil {
				target, err = tos.GetInfo(name(rest[2]))
			}
		}
		if err != nil {
			fail(err)
		}
		info, err := os_.AddLink(name(rest[0]), target)
		if err != nil {
			fail(err)
		}
		out(info)
	case "bucketlink":
		need(rest, 2)
		tos, err := js.ObjectStore(rest[1])
		if err != nil {
			fail(err)
		}
		info, err := os_.AddBucketLink(name(rest[0]), tos)
		if err != nil {
			fail(err)
		}
		out(info)
	case "list":
		infos, err := os_.List()
		if errors.Is(err, nats.ErrNoObjectsFound) {
			infos, err = []*nats.ObjectInfo{}, nil
		}
		if err != nil {
			fail(err)
		}
		out(infos)
	case "delete":
		need(rest, 1)
		if err := os_.Delete(name(rest[0])); err != nil {
			fail(err)
		}
		out(map[string]bool{"deleted": true})
	default:
		usage()
	}
}

func name(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: usage: name is not hex: %v\n", err)
		os.Exit(9)
	}
	return string(b)
}

func need(rest []string, n int) {
	if len(rest) < n {
		usage()
	}
}

func out(v interface{}) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fail(err)
	}
}

func fail(err error) {
	kind, code := "other", 1
	switch {
	case errors.Is(err, nats.ErrObjectNotFound):
		kind, code = "not-found", 2
	case errors.Is(err, nats.ErrDigestMismatch):
		kind, code = "digest-mismatch", 3
	case errors.Is(err, nats.ErrBadObjectMeta):
		kind, code = "bad-meta", 4
	case errors.Is(err, nats.ErrStreamNotFound):
		kind, code = "bucket-not-found", 5
	case errors.Is(err, nats.ErrCantGetBucket):
		kind, code = "link-is-bucket", 6
	case errors.Is(err, nats.ErrObjectAlreadyExists):
		kind, code = "already-exists", 7
	}
	fmt.Fprintf(os.Stderr, "error: %s: %v\n", kind, err)
	os.Exit(code)
}

func usage() {
	fmt.Fprintln(os.Stderr, "error: usage: interop-go <createbucket|status|put|get|info|link|bucketlink|list|delete> <url> <bucket> [args]")
	os.Exit(9)
}
