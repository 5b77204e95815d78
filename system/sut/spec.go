package sut

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dashstream/acceptance/system/stack"
)

// Setting is one contract setting for a start: an environment variable (UPPER_CASE) or
// a flag ("-topic"), as the reference spells it. A flag is passed as -name=value, or
// alone when Value is empty (a switch).
type Setting struct {
	Name, Value string
}

// Extras are the values of the extra services a role needs, started by the caller.
type Extras struct {
	RedisURL string
	// Instance is a name unique to the scenario's instance of the role, for settings
	// such as a consumer group ("${INSTANCE}" in a profile's env).
	Instance string
}

// Spec translates a start of role, under the instance name, with contract settings into
// what the stack runs: the program, its environment and flags in the implementation's
// own names. listen asks for an HTTP address picked by the stack. A setting or role the
// implementation lacks is a *Missing.
func (p *Profile) Spec(role Role, name string, listen bool, settings []Setting, extras Extras, binDir string) (stack.ServiceSpec, error) {
	r, err := p.Role(role)
	if err != nil {
		return stack.ServiceSpec{}, err
	}
	spec := stack.ServiceSpec{Name: name, Binary: r.Reference, Image: r.Image, Env: map[string]string{}, BrokersEnv: r.Brokers}
	if r.Command != "" {
		spec.Command = r.Command
		if !filepath.IsAbs(spec.Command) {
			spec.Command = filepath.Join(binDir, spec.Command)
		}
	}
	for k, v := range r.Env {
		spec.Env[k] = strings.NewReplacer("${REDIS_URL}", extras.RedisURL, "${INSTANCE}", extras.Instance).Replace(v)
	}
	if listen {
		if r.Listen.Env == "" {
			return stack.ServiceSpec{}, &Missing{Profile: p.Name, Capability: string(role) + " HTTP endpoint", Reason: "the profile gives no listen setting for it"}
		}
		spec.AddrEnv, spec.AddrPortOnly, spec.HostEnv = r.Listen.Env, r.Listen.Form == "port", r.Listen.Host
	}
	for _, s := range settings {
		own, err := p.Setting(role, s.Name)
		if r.ignores(s) && IsMissing(err) {
			continue
		}
		if err != nil {
			return stack.ServiceSpec{}, err
		}
		switch {
		case strings.HasPrefix(own, "-") && s.Value == "":
			spec.Args = append(spec.Args, own) // a switch
		case strings.HasPrefix(own, "-"):
			spec.Args = append(spec.Args, own+"="+s.Value)
		default:
			spec.Env[own] = s.Value
		}
	}
	return spec, nil
}

// Setting returns the implementation's name of a contract setting of role, or a *Missing.
func (p *Profile) Setting(role Role, contract string) (string, error) {
	r, err := p.Role(role)
	if err != nil {
		return "", err
	}
	if own, ok := r.Settings[contract]; ok {
		return own, nil
	}
	if r.SettingsNative {
		return contract, nil
	}
	reason := "the profile maps no setting of the program to it"
	if why, ok := r.Lacks[contract]; ok {
		reason = why
	}
	return "", &Missing{Profile: p.Name, Capability: fmt.Sprintf("setting %s of the %s", contract, role), Reason: reason}
}

// ignores reports whether the role runs a scenario without setting s: the setting is
// ignored whatever its value ("NAME"), or for this value only ("NAME=value").
func (r *RoleSpec) ignores(s Setting) bool {
	_, any := r.Ignored[s.Name]
	_, this := r.Ignored[s.Name+"="+s.Value]
	return any || this
}
