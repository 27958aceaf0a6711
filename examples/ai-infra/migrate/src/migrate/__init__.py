"""Schema migrations for the job store, applied in order and recorded in the database itself."""
