"""`kokuchi serve`: the production web server (Gunicorn with config/gunicorn.py).

Workers and address come from KOKUCHI_WEB_WORKERS and KOKUCHI_BIND (or --workers/--bind). Static
files are served by WhiteNoise from the data directory: run `kokuchi collectstatic --noinput` first.
"""

import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the production web server (Gunicorn, several worker processes)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--bind", help="Address to listen on, e.g. 127.0.0.1:8000 (default: KOKUCHI_BIND).")
        parser.add_argument("--workers", type=int, help="Worker processes (default: KOKUCHI_WEB_WORKERS or 2×CPUs+1).")

    def handle(self, *args, bind=None, workers=None, **options):
        command = [sys.executable, "-m", "gunicorn", "--config", "python:config.gunicorn"]
        if bind:
            command += ["--bind", bind]
        if workers:
            command += ["--workers", str(workers)]
        command.append("config.wsgi:application")
        sys.stdout.flush()
        # Replace this process: signals from systemd or the shell reach the Gunicorn arbiter directly.
        os.execv(sys.executable, command)
