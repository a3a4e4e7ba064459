"""Measures of a trained network: per-image metrics, seed statuses, regimes and statistics over seeds."""
