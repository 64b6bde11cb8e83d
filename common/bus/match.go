package bus

import (
	"regexp"
	"strings"
)

// separator splits bus ids and destination patterns into segments.
const separator = ":"

// MatchDestination reports whether a bus event's destinationService pattern
// selects the service instance serviceID ("app:profile:port"), with Spring
// Cloud Bus's rules:
//
//   - "" and "**" match every service;
//   - a pattern with at most one ':' that does not end in ":**" means
//     pattern + ":**" (Spring's PathDestinationFactory): "accountservice" is
//     "accountservice:**", "accountservice:dev" is "accountservice:dev:**";
//   - the pattern is then matched by Spring's AntPathMatcher with ':' as the
//     separator: "**" matches zero or more segments, "*" any characters and
//     "?" one character within a segment, a "{name}" template like "*";
//     matching is case-sensitive and whole-segment,
//     so "accountservice:**" never matches "accountservice2:dev:6767";
//   - when serviceID lists several profiles ("app:dev,swarm:6767") each is
//     tried alone (Spring's DefaultBusPathMatcher).
func MatchDestination(pattern, serviceID string) bool {
	if strings.TrimSpace(pattern) == "" || pattern == "**" {
		return true
	}
	if strings.Count(pattern, separator) <= 1 && !strings.HasSuffix(strings.ToLower(pattern), ":**") {
		pattern += ":**"
	}
	if antMatch(pattern, serviceID) {
		return true
	}
	return matchMultiProfile(pattern, serviceID)
}

// matchMultiProfile retries the match once per profile of "app:p1,p2:…".
func matchMultiProfile(pattern, serviceID string) bool {
	ids := tokenize(serviceID)
	if len(ids) <= 1 || len(tokenize(pattern)) <= 1 {
		return false
	}
	profiles := strings.Split(ids[1], ",")
	if len(profiles) <= 1 {
		return false
	}
	for _, p := range profiles {
		if p == "" {
			continue
		}
		alt := append([]string(nil), ids...)
		alt[1] = p
		if antMatch(pattern, strings.Join(alt, separator)) {
			return true
		}
	}
	return false
}

// tokenize splits on the separator, dropping empty segments as Spring's
// StringUtils.tokenizeToStringArray does (tokens are not trimmed).
func tokenize(s string) []string {
	parts := strings.Split(s, separator)
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// antMatch is AntPathMatcher.doMatch with fullMatch = true.
func antMatch(pattern, path string) bool {
	if strings.HasPrefix(path, separator) != strings.HasPrefix(pattern, separator) {
		return false
	}
	pattDirs, pathDirs := tokenize(pattern), tokenize(path)
	pattStart, pattEnd := 0, len(pattDirs)-1
	pathStart, pathEnd := 0, len(pathDirs)-1

	// Match all segments up to the first "**".
	for pattStart <= pattEnd && pathStart <= pathEnd {
		if pattDirs[pattStart] == "**" {
			break
		}
		if !matchSegment(pattDirs[pattStart], pathDirs[pathStart]) {
			return false
		}
		pattStart++
		pathStart++
	}

	if pathStart > pathEnd {
		// Path exhausted: only "**" (or a trailing "*" against a trailing separator) may remain.
		if pattStart > pattEnd {
			return strings.HasSuffix(pattern, separator) == strings.HasSuffix(path, separator)
		}
		if pattStart == pattEnd && pattDirs[pattStart] == "*" && strings.HasSuffix(path, separator) {
			return true
		}
		return onlyDoubleStars(pattDirs[pattStart : pattEnd+1])
	} else if pattStart > pattEnd {
		// Pattern exhausted, path not.
		return false
	}

	// Match the segments after the last "**", from the end.
	for pattStart <= pattEnd && pathStart <= pathEnd {
		if pattDirs[pattEnd] == "**" {
			break
		}
		if !matchSegment(pattDirs[pattEnd], pathDirs[pathEnd]) {
			return false
		}
		if pattEnd == len(pattDirs)-1 &&
			strings.HasSuffix(pattern, separator) != strings.HasSuffix(path, separator) {
			return false
		}
		pattEnd--
		pathEnd--
	}
	if pathStart > pathEnd {
		return onlyDoubleStars(pattDirs[pattStart : pattEnd+1])
	}

	// Between "**"s: find each run of fixed segments in the remaining path.
	for pattStart != pattEnd && pathStart <= pathEnd {
		next := -1
		for i := pattStart + 1; i <= pattEnd; i++ {
			if pattDirs[i] == "**" {
				next = i
				break
			}
		}
		if next == pattStart+1 { // "**:**": skip one
			pattStart++
			continue
		}
		patLen := next - pattStart - 1
		strLen := pathEnd - pathStart + 1
		found := -1
	search:
		for i := 0; i <= strLen-patLen; i++ {
			for j := 0; j < patLen; j++ {
				if !matchSegment(pattDirs[pattStart+j+1], pathDirs[pathStart+i+j]) {
					continue search
				}
			}
			found = pathStart + i
			break
		}
		if found == -1 {
			return false
		}
		pattStart = next
		pathStart = found + patLen
	}
	return onlyDoubleStars(pattDirs[pattStart : pattEnd+1])
}

func onlyDoubleStars(segs []string) bool {
	for _, s := range segs {
		if s != "**" {
			return false
		}
	}
	return true
}

// globPattern finds the wildcards of a segment, as Spring's AntPathStringMatcher.
var globPattern = regexp.MustCompile(`\?|\*|\{((?:\{[^/]+?\}|[^/{}]|\\[{}])+?)\}`)

// matchSegment matches one path segment against one pattern segment.
func matchSegment(pattern, segment string) bool {
	locs := globPattern.FindAllStringIndex(pattern, -1)
	if len(locs) == 0 {
		return pattern == segment
	}
	var re strings.Builder
	re.WriteString(`^(?s:`)
	end := 0
	for _, loc := range locs {
		re.WriteString(regexp.QuoteMeta(pattern[end:loc[0]]))
		switch m := pattern[loc[0]:loc[1]]; {
		case m == "?":
			re.WriteString(".")
		case m == "*":
			re.WriteString(".*")
		default: // {name}; "{name:regex}" cannot occur, ':' splits segments
			re.WriteString("(.*)")
		}
		end = loc[1]
	}
	re.WriteString(regexp.QuoteMeta(pattern[end:]))
	re.WriteString(`)$`)
	compiled, err := regexp.Compile(re.String())
	if err != nil {
		return false // cannot happen: every part is quoted or a fixed wildcard
	}
	return compiled.MatchString(segment)
}
