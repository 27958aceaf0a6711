"""Worker settings, read from YAML so operators can mount their own file."""

import yaml

DEFAULTS = """
queue_limit: 64
models:
  small: {threads: 1}
  medium: {threads: 2}
  large: {threads: 4}
"""


def load(text=None):
    settings = yaml.safe_load(DEFAULTS)
    if text:
        settings.update(yaml.safe_load(text) or {})
    return settings
