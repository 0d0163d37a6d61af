package search

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the search index's Prometheus metrics.
type Metrics struct {
	lagChanges prometheus.Gauge
	lagSeconds prometheus.Gauge
	rebuilds   prometheus.Counter
	latency    prometheus.Histogram
	docs       prometheus.Gauge
	restores   prometheus.Counter
	snapshots  prometheus.Counter
}

// NewMetrics registers the search metrics (reg may be nil in tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		lagChanges: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hub_search_index_lag_changes",
			Help: "Change-log rows found not yet applied at the last poll."}),
		lagSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hub_search_index_lag_seconds",
			Help: "Age of the oldest change not yet applied at the last poll."}),
		rebuilds: prometheus.NewCounter(prometheus.CounterOpts{Name: "hub_search_index_rebuilds_total",
			Help: "Full rebuilds of the search index from PostgreSQL."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hub_search_duration_seconds",
			Help:    "Time to answer a search from the index (before loading resources).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}}),
		docs: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hub_search_index_documents",
			Help: "Documents in the search index."}),
		restores: prometheus.NewCounter(prometheus.CounterOpts{Name: "hub_search_index_restores_total",
			Help: "Search indexes restored from a snapshot in PostgreSQL instead of a full rebuild."}),
		snapshots: prometheus.NewCounter(prometheus.CounterOpts{Name: "hub_search_index_snapshots_written_total",
			Help: "Search index snapshots this replica wrote to PostgreSQL."}),
	}
	if reg != nil {
		reg.MustRegister(m.lagChanges, m.lagSeconds, m.rebuilds, m.latency, m.docs, m.restores, m.snapshots)
	}
	return m
}
