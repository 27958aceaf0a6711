import sqlite3
import sys

from ai_infra import identity
from migrate.steps import STEPS, apply


def main(argv):
    path = ":memory:" if "--selftest" in argv else (argv[0] if argv else "/var/lib/jobs.db")
    db = sqlite3.connect(path)
    first = apply(db)
    again = apply(db)
    if "--selftest" in argv:
        assert len(first) == len(STEPS) and again == [], (first, again)
        print(identity("migrate"), f"sqlite={sqlite3.sqlite_version} steps={len(first)}")
        return 0
    print(f"applied {len(first)} migration(s) to {path}")
    return 0


sys.exit(main(sys.argv[1:]))
