"""What every Python service reports about itself: at build time, and as its default command."""

import os
import platform
import sys


def identity(component):
    path = f"/etc/ai-infra/{component}.version"
    try:
        with open(path, encoding="utf-8") as f:
            version = f.read().strip()
    except OSError:
        version = "unversioned"
    return f"{component} {version} uname={platform.machine()} python={sys.version.split()[0]} pid={os.getpid()}"
