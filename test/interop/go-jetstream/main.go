// Command go-jetstream is the nats.go interop peer of test/node/interop-peers.test.ts: nats.go's
// `jetstream` package ObjectStore (not the legacy JetStreamContext one), at the version go.mod pins.
//
//	go-jetstream write <natsTcpUrl> <bucket> <manifest.json>
//	go-jetstream read  <natsTcpUrl> <bucket> <manifest.json>
//
// The manifest and the JSON document `read` prints are described in test/harness/peers.ts. `write`
// exits 0 when every step succeeded; `read` reports a failure of one object in its entry and exits 0
// once it could print its document. Any other failure: a message on stderr and a non-zero exit.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

type manifest struct {
	CreateBucket *struct {
		Description string            `json:"description"`
		Metadata    map[string]string `json:"metadata"`
	} `json:"createBucket"`
	Objects []struct {
		Name        string              `json:"name"`
		File        string              `json:"file"`
		Description string              `json:"description"`
		Headers     map[string][]string `json:"headers"`
		Metadata    map[string]string   `json:"metadata"`
	} `json:"objects"`
	Links []struct {
		Name         string `json:"name"`
		TargetBucket string `json:"targetBucket"`
		TargetName   string `json:"targetName"`
	} `json:"links"`
	Deletes []string `json:"deletes"`
}

type objectOut struct {
	Name        string              `json:"name"`
	OK          bool                `json:"ok"`
	Error       string              `json:"error,omitempty"`
	Size        int64               `json:"size"`
	SHA256      string              `json:"sha256"`
	Chunks      uint32              `json:"chunks"`
	Digest      string              `json:"digest"`
	Description string              `json:"description,omitempty"`
	Headers     map[string][]string `json:"headers,omitempty"`
	Metadata    map[string]string   `json:"metadata,omitempty"`
}

type linkOut struct {
	Name       string `json:"name"`
	OK         bool   `json:"ok"`
	Error      string `json:"error,omitempty"`
	Bucket     string `json:"bucket"`
	TargetName string `json:"targetName,omitempty"`
}

type deletedOut struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
	Deleted bool   `json:"deleted"`
}

type bucketOut struct {
	Description string            `json:"description,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

type readOut struct {
	Bucket  bucketOut    `json:"bucket"`
	Objects []objectOut  `json:"objects"`
	Links   []linkOut    `json:"links"`
	Deleted []deletedOut `json:"deleted"`
	List    []string     `json:"list"`
}

const opTimeout = 60 * time.Second

func main() {
	if len(os.Args) != 5 || (os.Args[1] != "write" && os.Args[1] != "read") {
		fmt.Fprintln(os.Stderr, "usage: go-jetstream write|read <natsTcpUrl> <bucket> <manifest.json>")
		os.Exit(2)
	}
	cmd, url, bucket := os.Args[1], os.Args[2], os.Args[3]
	raw, err := os.ReadFile(os.Args[4])
	check(err, "read the manifest")
	var m manifest
	check(json.Unmarshal(raw, &m), "parse the manifest")

	nc, err := nats.Connect(url, nats.Timeout(10*time.Second))
	check(err, "connect")
	defer nc.Close()
	js, err := jetstream.New(nc)
	check(err, "jetstream")

	if cmd == "write" {
		write(js, bucket, &m)
		return
	}
	out := read(js, bucket, &m)
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	check(enc.Encode(out), "print")
}

func ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

func write(js jetstream.JetStream, bucket string, m *manifest) {
	c, cancel := ctx()
	defer cancel()
	var store jetstream.ObjectStore
	var err error
	if m.CreateBucket != nil {
		store, err = js.CreateObjectStore(c, jetstream.ObjectStoreConfig{
			Bucket: bucket, Description: m.CreateBucket.Description, Metadata: m.CreateBucket.Metadata,
		})
		check(err, "create bucket "+bucket)
	} else {
		store, err = js.ObjectStore(c, bucket)
		check(err, "open bucket "+bucket)
	}
	for _, o := range m.Objects {
		f, err := os.Open(o.File)
		check(err, "open "+o.File)
		meta := jetstream.ObjectMeta{Name: o.Name, Description: o.Description, Metadata: o.Metadata}
		if len(o.Headers) > 0 {
			meta.Headers = nats.Header(o.Headers)
		}
		_, err = store.Put(c, meta, f)
		f.Close()
		check(err, "put "+o.Name)
	}
	for _, l := range m.Links {
		target := store
		if l.TargetBucket != bucket {
			target, err = js.ObjectStore(c, l.TargetBucket)
			check(err, "open link target bucket "+l.TargetBucket)
		}
		if l.TargetName == "" {
			_, err = store.AddBucketLink(c, l.Name, target)
			check(err, "add bucket link "+l.Name)
			continue
		}
		info, err := target.GetInfo(c, l.TargetName)
		check(err, "get info of link target "+l.TargetName)
		_, err = store.AddLink(c, l.Name, info)
		check(err, "add link "+l.Name)
	}
	for _, name := range m.Deletes {
		check(store.Delete(c, name), "delete "+name)
	}
}

func read(js jetstream.JetStream, bucket string, m *manifest) readOut {
	c, cancel := ctx()
	defer cancel()
	store, err := js.ObjectStore(c, bucket)
	check(err, "open bucket "+bucket)
	st, err := store.Status(c)
	check(err, "status of "+bucket)
	out := readOut{
		Bucket:  bucketOut{Description: st.Description(), Metadata: st.Metadata()},
		Objects: []objectOut{}, Links: []linkOut{}, Deleted: []deletedOut{}, List: []string{},
	}
	deleted := map[string]bool{}
	for _, d := range m.Deletes {
		deleted[d] = true
	}
	for _, o := range m.Objects {
		if !deleted[o.Name] {
			out.Objects = append(out.Objects, readObject(store, o.Name))
		}
	}
	for _, l := range m.Links {
		e := linkOut{Name: l.Name}
		info, err := store.GetInfo(c, l.Name)
		switch {
		case err != nil:
			e.Error = err.Error()
		case info.Opts == nil || info.Opts.Link == nil:
			e.Error = "not a link"
		default:
			e.OK, e.Bucket, e.TargetName = true, info.Opts.Link.Bucket, info.Opts.Link.Name
		}
		out.Links = append(out.Links, e)
	}
	for _, name := range m.Deletes {
		e := deletedOut{Name: name}
		info, err := store.GetInfo(c, name, jetstream.GetObjectInfoShowDeleted())
		if err != nil {
			e.Error = "getInfo with deleted shown: " + err.Error()
		} else if _, gerr := store.Get(c, name); gerr == nil {
			e.Deleted, e.Error = info.Deleted, "get of a deleted object succeeded"
		} else {
			e.OK, e.Deleted = true, info.Deleted
		}
		out.Deleted = append(out.Deleted, e)
	}
	infos, err := store.List(c)
	if err != nil && !errors.Is(err, jetstream.ErrNoObjectsFound) {
		check(err, "list")
	}
	for _, i := range infos {
		out.List = append(out.List, i.Name)
	}
	return out
}

// readObject reads one object through Get, which checks the digest at the end of the stream.
func readObject(store jetstream.ObjectStore, name string) objectOut {
	e := objectOut{Name: name}
	c, cancel := ctx()
	defer cancel()
	res, err := store.Get(c, name)
	if err != nil {
		e.Error = "get: " + err.Error()
		return e
	}
	defer res.Close()
	h := sha256.New()
	n, err := io.Copy(h, res)
	if err == nil {
		err = res.Error()
	}
	e.Size, e.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	if err != nil {
		e.Error = "read: " + err.Error()
		return e
	}
	info, err := res.Info()
	if err != nil {
		e.Error = "info: " + err.Error()
		return e
	}
	e.OK, e.Chunks, e.Digest = true, info.Chunks, info.Digest
	e.Description, e.Headers, e.Metadata = info.Description, info.Headers, info.Metadata
	return e
}

func check(err error, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-jetstream: %s: %v\n", what, err)
		os.Exit(1)
	}
}
