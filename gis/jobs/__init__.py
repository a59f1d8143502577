"""The officer's jobs: recovery, fields, targets, summaries."""
