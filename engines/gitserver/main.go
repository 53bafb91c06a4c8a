// Command gitserver is a Git server over SSH for the real-engine tests. It serves bare
// repositories under -root (github.com/fluxcd/pkg/gittestserver) and authorizes each SSH key the
// way GitHub authorizes deploy keys: for the repositories listed for it, read-only unless "write".
//
// The key list (-keys) has one line per grant: `<owner>/<repo> <read|write> <authorized_keys entry>`;
// `*` as the repository grants every repository. It is read on every connection, so tests add keys
// while the server runs. The server prints `ssh-address <url>` once it listens.
//
// gitkit runs git-upload-pack/git-receive-pack by name with the key's grants in GITKIT_KEY; this
// binary is also installed under those names (first on PATH) to enforce the grants, then hands
// over to the real git programs.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/fluxcd/gitkit"
	"github.com/fluxcd/pkg/gittestserver"
)

func main() {
	switch name := filepath.Base(os.Args[0]); name {
	case "git-upload-pack", "git-receive-pack":
		if err := authorize(name, os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "ERROR:", err)
			os.Exit(1)
		}
		return
	}
	root := flag.String("root", "", "folder of bare repositories, <owner>/<repo>.git")
	keys := flag.String("keys", "", "file of grants: <owner>/<repo> <read|write> <public key>")
	hostKeys := flag.String("host-keys", "", "folder for the server's host key (made if missing)")
	flag.Parse()
	if *root == "" || *keys == "" || *hostKeys == "" {
		flag.Usage()
		os.Exit(2)
	}
	srv := gittestserver.NewGitServer(*root).KeyDir(*hostKeys).Auth("unused-http-user", "unused-http-password")
	srv.PublicKeyLookupFunc(func(content string) (*gitkit.PublicKey, error) {
		grants, err := grantsFor(*keys, content)
		if err != nil {
			return nil, err
		}
		return &gitkit.PublicKey{Id: strings.Join(grants, ",")}, nil
	})
	if err := srv.ListenSSH(); err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	fmt.Println("ssh-address", srv.SSHAddress())
	if err := srv.StartSSH(); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

// grantsFor returns `<repo>:<mode>` for every grant of the key; a key without any is refused.
func grantsFor(file, key string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var grants []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 4 || fields[1] != "read" && fields[1] != "write" {
			continue
		}
		if strings.Join(fields[2:4], " ") == strings.Join(strings.Fields(key)[:2], " ") {
			grants = append(grants, fields[0]+":"+fields[1])
		}
	}
	if len(grants) == 0 {
		return nil, errors.New("unknown key")
	}
	return grants, s.Err()
}

// authorize checks the repository against the key's grants, then runs the real git program.
func authorize(command string, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%s: expected one repository argument", command)
	}
	repo := strings.TrimSuffix(strings.Trim(args[0], "'/"), ".git")
	need := "read"
	if command == "git-receive-pack" {
		need = "write"
	}
	allowed := false
	for _, g := range strings.Split(os.Getenv("GITKIT_KEY"), ",") {
		r, mode, _ := strings.Cut(g, ":")
		if (r == repo || r == "*") && (mode == "write" || need == "read") {
			allowed = true
		}
	}
	if !allowed {
		return fmt.Errorf("Repository not found or this key may not %s it: %s", need, repo)
	}
	real := filepath.Join("/usr/lib/git-core", command)
	if _, err := os.Stat(real); err != nil {
		real = filepath.Join("/usr/bin", command)
	}
	return syscall.Exec(real, append([]string{command}, args...), os.Environ())
}
