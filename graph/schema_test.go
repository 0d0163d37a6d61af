package graph

// The published schema: a committed snapshot (testdata/schema.graphql) that
// the schema the API serves may only extend. graphql-js's
// findBreakingChanges (testdata/node, committed with node_modules) is the
// judge of what breaks a client; a removal passes only when the snapshot
// already marks it @deprecated.

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	schemaSnapshot = "testdata/schema.graphql"
	nodeTools      = "../testdata/node"
)

type schemaReport struct {
	Breaking []schemaChange `json:"breaking"`
	Allowed  []schemaChange `json:"allowed"`
}

type schemaChange struct {
	Type        string `json:"type"`
	Description string `json:"description"`
}

// checkSchema runs schema-check.js on two SDL texts.
func checkSchema(t *testing.T, oldSDL, newSDL string) schemaReport {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: the schema check needs Node 18+ (apt-get install nodejs)")
	}
	dir := t.TempDir()
	oldF, newF := filepath.Join(dir, "old.graphql"), filepath.Join(dir, "new.graphql")
	if err := os.WriteFile(oldF, []byte(oldSDL), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newF, []byte(newSDL), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(nodeTools, "schema-check.js"), oldF, newF)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		t.Fatalf("schema-check.js: %v", err)
	}
	var r schemaReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("schema-check.js output %q: %v", out, err)
	}
	return r
}

// TestSchemaHasNoBreakingChange fails when the served schema breaks the
// committed snapshot, listing what graphql-js reports. A compatible change
// (an addition) must be committed to the snapshot too:
//
//	UPDATE_SCHEMA=1 go test ./graph -run TestSchemaHasNoBreakingChange
//
// rewrites it, and refuses while the change is breaking.
func TestSchemaHasNoBreakingChange(t *testing.T) {
	snap, err := os.ReadFile(schemaSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	sdl := SDL()
	r := checkSchema(t, string(snap), sdl)
	for _, c := range r.Breaking {
		t.Errorf("breaking change against %s: %s (%s)", schemaSnapshot, c.Description, c.Type)
	}
	if len(r.Breaking) > 0 {
		t.Log("Partners rely on the published schema: add instead of changing, and deprecate (@deprecated in the snapshot) before removing.")
		return
	}
	if sdl != string(snap) {
		if os.Getenv("UPDATE_SCHEMA") != "" {
			if err := os.WriteFile(schemaSnapshot, []byte(sdl), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("the schema changed compatibly but %s was not updated: run UPDATE_SCHEMA=1 go test ./graph -run TestSchemaHasNoBreakingChange and commit it", schemaSnapshot)
	}
}

// TestSchemaCheckFindsBreakingEdits makes one deliberately breaking edit of
// each kind the issue names to the snapshot and checks that the check
// reports it; removing what the snapshot marks @deprecated passes.
func TestSchemaCheckFindsBreakingEdits(t *testing.T) {
	snap, err := os.ReadFile(schemaSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	base := string(snap)
	const (
		topicName = "  \"\"\"\n  The topic's name.\n  \"\"\"\n  name: String!\n"
		topicSlug = "The topic's identity, used in filters.\n  \"\"\"\n  slug: String!"
	)
	const policyPosition = "  \"\"\"\n  What the organisation asks for, with rationale and evidence.\n  \"\"\"\n  POLICY_POSITION\n"
	edit := func(s, old, new string) string {
		t.Helper()
		if !strings.Contains(s, old) {
			t.Fatalf("snapshot lacks %q", old)
		}
		return strings.Replace(s, old, new, 1)
	}
	cases := []struct {
		name     string
		old, new string
		want     string // a BreakingChangeType, "" for none
	}{
		{"field removed", base, edit(base, topicName, ""), "FIELD_REMOVED"},
		{"type renamed", base, strings.ReplaceAll(base, "Topic", "Subject"), "TYPE_REMOVED"},
		{"enum value removed", base, edit(base, policyPosition, ""), "VALUE_REMOVED_FROM_ENUM"},
		{"field made nullable", base, edit(base, topicSlug, strings.TrimSuffix(topicSlug, "!")), "FIELD_CHANGED_KIND"},
		{"required argument added", base, edit(base, "    slug: String!\n  ): Resource\n", "    slug: String!\n    language: String!\n  ): Resource\n"), "REQUIRED_ARG_ADDED"},
		{"argument made non-null", base, edit(base, "    first: Int\n", "    first: Int!\n"), "ARG_CHANGED_KIND"},
		{"field added", base, edit(base, "type Topic {\n", "type Topic {\n  \"New.\"\n  url: String\n"), ""},
		{"deprecated field removed", edit(base, topicName, topicName[:len(topicName)-1]+" @deprecated(reason: \"use slug\")\n"), edit(base, topicName, ""), ""},
		{"deprecated enum value removed",
			edit(base, "  POLICY_POSITION\n", "  POLICY_POSITION @deprecated(reason: \"gone\")\n"), edit(base, policyPosition, ""), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := checkSchema(t, c.old, c.new)
			if c.want == "" {
				if len(r.Breaking) > 0 {
					t.Errorf("reported %v, want nothing", r.Breaking)
				}
				return
			}
			found := false
			for _, b := range r.Breaking {
				found = found || b.Type == c.want
			}
			if !found {
				t.Errorf("reported %v, want %s", r.Breaking, c.want)
			}
		})
	}
}

// TestSchemaIsDescribed: every type, field and input field the schema
// defines (built-ins aside) has a description, so GraphiQL's docs
// and /schema.graphql explain the whole API. Enum values are described
// where their name alone could mislead (not checked here).
func TestSchemaIsDescribed(t *testing.T) {
	s := NewExecutableSchema(Config{}).Schema()
	for name, def := range s.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if def.Description == "" {
			t.Errorf("type %s has no description", name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if f.Description == "" {
				t.Errorf("field %s.%s has no description", name, f.Name)
			}
			for _, a := range f.Arguments {
				if a.Description == "" {
					t.Errorf("argument %s.%s(%s:) has no description", name, f.Name, a.Name)
				}
			}
		}
		for _, v := range def.EnumValues {
			if v.Description == "" {
				t.Errorf("enum value %s.%s has no description", name, v.Name)
			}
		}
	}
	// Every directive SDL prints (the schema's own and the built-ins it
	// prints), and its arguments.
	for name, d := range s.Directives {
		if d.Position != nil && d.Position.Src != nil && d.Position.Src.BuiltIn && !slices.Contains(sdlBuiltins, name) {
			continue
		}
		if d.Description == "" {
			t.Errorf("directive @%s has no description", name)
		}
		for _, a := range d.Arguments {
			if a.Description == "" {
				t.Errorf("argument @%s(%s:) has no description", name, a.Name)
			}
		}
	}
}
