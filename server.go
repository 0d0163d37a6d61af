// Command guidancehub is the Guidance Hub: a GraphQL API of guidance
// documents, research briefs and policy positions about healthcare access
// for excluded people.
//
//	guidancehub [serve] [flags]        run the hub (the default)
//	guidancehub import [--prune] [DIR] import resource files (default HUB_RESOURCES_DIR)
//	guidancehub lint [DIR]             check resource files without a database
//	guidancehub reindex                ask every running hub to rebuild its search index
//	guidancehub token create|list|revoke  manage API tokens
//
// The commands and the start-up wiring are in internal/command.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"guidancehub/internal/command"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tuneGC(os.Args[1:], os.Getenv)
	os.Exit(command.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv, nil))
}
