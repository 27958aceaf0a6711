"""The migrations, oldest first. Each runs once; the applied ones are kept in schema_version."""

STEPS = [
    ("0001_jobs", "CREATE TABLE jobs (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, model TEXT NOT NULL)"),
    ("0002_jobs_state", "ALTER TABLE jobs ADD COLUMN state TEXT NOT NULL DEFAULT 'queued'"),
    ("0003_jobs_by_tenant", "CREATE INDEX jobs_by_tenant ON jobs (tenant, state)"),
]


def apply(db):
    db.execute("CREATE TABLE IF NOT EXISTS schema_version (name TEXT PRIMARY KEY)")
    done = {row[0] for row in db.execute("SELECT name FROM schema_version")}
    applied = []
    for name, sql in STEPS:
        if name in done:
            continue
        db.execute(sql)
        db.execute("INSERT INTO schema_version (name) VALUES (?)", (name,))
        applied.append(name)
    db.commit()
    return applied
