"""Thin Dagster layer: wires the stage modules into assets, checks, jobs and schedules."""
