"""A task for the multi-process tests: each run appends a line to a file named after its key."""

import os
from pathlib import Path

from django.tasks import task


@task()
def record_run(directory: str, key: str) -> int:
    with (Path(directory) / key).open("a") as handle:
        handle.write(f"{os.getpid()}\n")
    return os.getpid()
