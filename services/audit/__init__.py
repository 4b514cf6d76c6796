"""The audit app: reconciles the stages by article id (raw, enriched, index, dead letters)."""
