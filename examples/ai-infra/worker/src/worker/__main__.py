import sys

import numpy

from ai_infra import identity
from worker import config
from worker.queue import FairQueue
from worker.rank import rank


def main(argv):
    settings = config.load()
    queue = FairQueue(settings["queue_limit"])
    for i in range(6):
        queue.push("a" if i < 4 else "b", f"job-{i}")
    order = [queue.pop()[0] for _ in range(6)]
    if "--selftest" in argv:
        assert order[:3] == ["a", "b", "a"], order
        best, _ = rank("quantized model weights", ["a cooking recipe", "weights of a quantized model"])[0]
        assert best.startswith("weights"), best
        print(identity("worker"), "models=" + ",".join(sorted(settings["models"])), "numpy=" + numpy.__version__)
        return 0
    print("worker idle: no queue configured", file=sys.stderr)
    return 1


sys.exit(main(sys.argv[1:]))
