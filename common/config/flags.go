package config

import (
	"flag"
	"net/http"
)

// Flags are the configuration flags shared by every service.
type Flags struct {
	Profile   string // -profile: Spring profile(s), "dev" or "swarm"
	ServerURL string // -configServerUrl: config server; empty reads Dir instead
	Dir       string // -configDir: local config repository
	Label     string // -configLabel (alias -configBranch): config server label, e.g. a git branch
	Attempts  int    // -configAttempts: load attempts before giving up
}

// RegisterFlags registers -profile (swarm), -configServerUrl (""), -configDir
// (support/config-repo), -configLabel ("") and -configAttempts (20) on fs.
// -configLabel is named for Spring Cloud Config's {label}, the third part of
// GET /{application}/{profile}/{label} (a git branch, tag or commit);
// -configBranch, its earlier name, still sets it: the last one given wins.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.Profile, "profile", "swarm", "Spring profile(s) to load, comma-separated (dev, swarm)")
	fs.StringVar(&f.ServerURL, "configServerUrl", "", "Spring Cloud Config server URL; empty reads -configDir instead")
	fs.StringVar(&f.Dir, "configDir", "support/config-repo", "directory of the config repository's YAML files (local mode)")
	fs.StringVar(&f.Label, "configLabel", "", "config server label (git branch, tag or commit); empty means the server's default")
	fs.StringVar(&f.Label, "configBranch", "", "alias of -configLabel")
	fs.IntVar(&f.Attempts, "configAttempts", 20, "attempts to load the configuration before giving up")
	return f
}

// Loader returns the remote loader when a config server URL is set, else the
// local loader over Dir. client is used for the config server (nil: default).
func (f *Flags) Loader(app string, client *http.Client) Loader {
	if f.ServerURL != "" {
		return NewRemoteLoader(f.ServerURL, app, f.Profile, f.Label, client)
	}
	return NewLocalLoader(f.Dir, app, f.Profile)
}
