// Command tlogverify checks a running Liaison node's audit log with independent code: Go's
// golang.org/x/mod/sumdb/note (C2SP signed notes) and sumdb/tlog (RFC 6962/9162 proofs).
//
// It fetches the newest checkpoint, verifies its signature against the node's vkey, fetches every
// entry with its inclusion proof, hashes each leaf itself, and checks each proof and the
// consistency proof from an older checkpoint. It also checks that a forged root is refused, so
// that a verifier which accepts everything cannot pass.
//
// Usage: tlogverify -url http://127.0.0.1:PORT -token TOKEN -vkey VKEY [-old-note FILE]
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var (
	baseURL = flag.String("url", "", "the node's API base URL")
	token   = flag.String("token", "", "a bearer token of an oversight, data-protection or administrator user")
	vkey    = flag.String("vkey", "", "the node's audit verifier key (identity document auditVerifierKey)")
	oldNote = flag.String("old-note", "", "an earlier checkpoint note to check consistency from")
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "tlogverify: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func get(path string) []byte {
	req, err := http.NewRequest("GET", *baseURL+path, nil)
	if err != nil {
		fail("%v", err)
	}
	req.Header.Set("Authorization", "Bearer "+*token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		fail("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// openCheckpoint verifies a signed note and parses its checkpoint text by hand: tlog.ParseTree
// expects Go's own origin line (c2sp.org/tlog-checkpoint allows any).
func openCheckpoint(msg []byte, verifier note.Verifier) checkpoint {
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		fail("checkpoint text is not origin, size, root: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("checkpoint size %q", lines[1])
	}
	root := decodeHash(lines[2])
	if lines[0] != verifier.Name() {
		fail("checkpoint origin %q is not the key name %q", lines[0], verifier.Name())
	}
	return checkpoint{origin: lines[0], size: size, root: root}
}

func decodeHash(text string) tlog.Hash {
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(raw) != tlog.HashSize {
		fail("not a base64 SHA-256 hash: %q", text)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

func decodeProof(items []string) []tlog.Hash {
	proof := make([]tlog.Hash, len(items))
	for i, item := range items {
		proof[i] = decodeHash(item)
	}
	return proof
}

func main() {
	flag.Parse()
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("vkey: %v", err)
	}
	current := openCheckpoint(get("/api/v1/audit/checkpoint"), verifier)
	if current.size == 0 {
		fail("the log is empty")
	}

	checked := 0
	for start := int64(0); start < current.size; start += 1000 {
		end := start + 1000
		if end > current.size {
			end = current.size
		}
		var page struct {
			Entries []struct {
				Index int64  `json:"index"`
				Leaf  string `json:"leaf"`
			} `json:"entries"`
		}
		if err := json.Unmarshal(get(fmt.Sprintf("/api/v1/audit/entries?start=%d&end=%d", start, end)), &page); err != nil {
			fail("entries: %v", err)
		}
		for _, entry := range page.Entries {
			leaf, err := base64.StdEncoding.DecodeString(entry.Leaf)
			if err != nil {
				fail("entry %d: leaf is not base64", entry.Index)
			}
			var proof struct {
				Proof []string `json:"proof"`
			}
			if err := json.Unmarshal(get(fmt.Sprintf("/api/v1/audit/proofs/inclusion?index=%d&size=%d", entry.Index, current.size)), &proof); err != nil {
				fail("inclusion proof %d: %v", entry.Index, err)
			}
			hash := tlog.RecordHash(leaf)
			if err := tlog.CheckRecord(decodeProof(proof.Proof), current.size, current.root, entry.Index, hash); err != nil {
				fail("entry %d is not included under the signed root: %v", entry.Index, err)
			}
			// A verifier that accepts anything would pass the check above; this one must fail.
			forged := current.root
			forged[0] ^= 1
			if tlog.CheckRecord(decodeProof(proof.Proof), current.size, forged, entry.Index, hash) == nil {
				fail("entry %d verified under a forged root", entry.Index)
			}
			checked++
		}
	}
	if int64(checked) != current.size {
		fail("checked %d entries of %d", checked, current.size)
	}

	consistent := ""
	if *oldNote != "" {
		msg, err := os.ReadFile(*oldNote)
		if err != nil {
			fail("%v", err)
		}
		old := openCheckpoint(msg, verifier)
		var proof struct {
			Proof []string `json:"proof"`
		}
		if err := json.Unmarshal(get(fmt.Sprintf("/api/v1/audit/proofs/consistency?from=%d&to=%d", old.size, current.size)), &proof); err != nil {
			fail("consistency proof: %v", err)
		}
		if err := tlog.CheckTree(decodeProof(proof.Proof), current.size, current.root, old.size, old.root); err != nil {
			fail("checkpoint %d is not consistent with checkpoint %d: %v", current.size, old.size, err)
		}
		consistent = fmt.Sprintf(", consistent with checkpoint %d", old.size)
	}
	fmt.Printf("tlogverify: OK: checkpoint %d of %s signed by %s; %d inclusion proofs verified%s\n", current.size, current.origin, verifier.Name(), checked, consistent)
}
