"""Model worker: takes queued completions and runs them through the inference binary."""
