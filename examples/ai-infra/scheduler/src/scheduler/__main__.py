import sys
from datetime import datetime

from ai_infra import identity
from scheduler.cron import matches

JOBS = {
    "re-embed": "30 2 * * *",
    "compact-index": "0 */6 * * *",
    "weekly-eval": "0 4 * * 0",
}


def main(argv):
    when = datetime(2026, 11, 29, 2, 30)
    due = sorted(name for name, expr in JOBS.items() if matches(expr, when))
    if "--selftest" in argv:
        assert due == ["re-embed"], due
        print(identity("scheduler"), "due-at-02:30=" + ",".join(due))
        return 0
    print("\n".join(due))
    return 0


sys.exit(main(sys.argv[1:]))
