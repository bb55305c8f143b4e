"""Serve Clientela on one machine: the web app (gunicorn) and its background worker, together."""

import signal
import subprocess
import sys
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the web server and the background worker; Ctrl+C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--workers", default="2", help="Web worker processes.")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        worker = subprocess.Popen([python, "manage.py", "db_worker", "--queue-name", "*", "--no-reload"])
        web = subprocess.Popen(
            [
                python, "-m", "gunicorn", "config.wsgi:application",
                "--bind", f"{options['host']}:{options['port']}",
                "--workers", str(options["workers"]),
                "--access-logfile", "-",
                # Exports stream a whole register: a million clients take longer than gunicorn's 30 s default.
                "--timeout", "600",
            ]
        )  # fmt: skip
        self.stdout.write(f"Clientela is running on http://{options['host']}:{options['port']}/ (Ctrl+C stops it)")

        def stop(signum: int, frame: FrameType | None) -> None:
            for process in (web, worker):
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            # If either process dies, stop the other: a web app without its worker is not running.
            while web.poll() is None and worker.poll() is None:
                try:
                    web.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
        finally:
            stop(signal.SIGTERM, None)
            for process in (web, worker):
                process.wait(timeout=30)
