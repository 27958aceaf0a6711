"""Batch scheduler: plans nightly re-embedding jobs from a cron-like table."""
