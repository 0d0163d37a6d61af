package command

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"guidancehub/internal/config"
	"guidancehub/internal/pgcluster"
	"guidancehub/internal/postgres"
)

// databaseName is the embedded cluster's database.
const databaseName = "guidancehub"

// openDatabase connects to DATABASE_URL, or starts (or joins) the embedded
// cluster under HUB_DATA_DIR. The returned func closes the pool and stops
// the cluster if this process started it. A serving hub (owner) also
// adopts a cluster orphaned by a killed hub, and watches its cluster,
// restarting it if it dies; CLI commands do neither.
func openDatabase(ctx context.Context, cfg *config.Config, owner bool, log *slog.Logger) (*postgres.DB, func(), error) {
	dsn := cfg.DatabaseURL
	stopCluster := func() {}
	if dsn == "" {
		c, err := pgcluster.Start(ctx, filepath.Join(cfg.DataDir), pgcluster.Options{BinDir: cfg.PGBinDir, Logger: log, Owner: owner})
		if err != nil {
			return nil, nil, fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		stopCluster = func() {
			sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if err := c.Stop(sctx); err != nil {
				log.Error("stop embedded PostgreSQL", "err", err)
			}
		}
		if err := postgres.EnsureDatabase(ctx, c.DSN("postgres"), databaseName); err != nil {
			stopCluster()
			return nil, nil, err
		}
		dsn = c.DSN(databaseName)
		if owner {
			// Stopped by stopCluster (c.Stop), before the server stops.
			c.Watch(context.WithoutCancel(ctx), 500*time.Millisecond)
		}
	}
	db, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err != nil {
		stopCluster()
		return nil, nil, err
	}
	return db, func() { db.Close(); stopCluster() }, nil
}
