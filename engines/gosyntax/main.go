// Command gosyntax answers, for each input line, whether Go accepts a value the way Flux's
// image-reflector-controller parses it: `regex <pattern>` is compiled with Go's regexp (RE2
// syntax; ImagePolicy filterTags.pattern) and `semver <range>` with Masterminds/semver v3
// NewConstraint (ImagePolicy policy.semver). Everything after the first space is the value, spaces
// included. It prints one line per input line, in order: `ok` (for a regex: `ok <groups> <names>`,
// the number of capture groups and the named ones) or `error <message>`.
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		kind, value, _ := strings.Cut(in.Text(), " ")
		fmt.Fprintln(out, check(kind, value))
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func check(kind, value string) string {
	switch kind {
	case "regex":
		re, err := regexp.Compile(value)
		if err != nil {
			return "error " + oneLine(err.Error())
		}
		var names []string
		for _, n := range re.SubexpNames() {
			if n != "" {
				names = append(names, n)
			}
		}
		return strings.TrimSpace(fmt.Sprintf("ok %d %s", re.NumSubexp(), strings.Join(names, " ")))
	case "semver":
		if _, err := semver.NewConstraint(value); err != nil {
			return "error " + oneLine(err.Error())
		}
		return "ok"
	default:
		return fmt.Sprintf("error unknown kind %q (want regex or semver)", kind)
	}
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", `\n`) }
