"""Try the SMART launch locally: the test EHR on :8900 and DAH Guide on :8000, in one command.

    .venv/bin/python -m tests.fake_ehr [--ehr-port 8900] [--app-port 8000]

Open the printed address, pick a patient: DAH Guide launches as from a hospital's EHR. Log in as
``physician`` / ``demo-physician-pass`` (``bin/setup`` or ``manage.py seed_demo`` creates it).
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_ehr", description=__doc__.splitlines()[0])
    parser.add_argument("--ehr-port", type=int, default=8900)
    parser.add_argument("--app-port", type=int, default=8000)
    args = parser.parse_args(argv)

    from tests.fake_ehr import CLIENT_ID, FakeEHR

    ehr = FakeEHR().start(args.ehr_port)
    os.environ["SMART_CLIENT_ID"] = CLIENT_ID
    os.environ["SMART_ALLOWED_ISS"] = ehr.iss
    os.environ.setdefault("DEBUG", "true")  # runserver serves the static files
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dahguide.settings")
    app = f"http://127.0.0.1:{args.app_port}"
    print(f"Test EHR: {ehr.base_url}/?app={app}/smart/launch  (pick a patient to launch DAH Guide)", flush=True)

    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "runserver", f"127.0.0.1:{args.app_port}", "--noreload"])


if __name__ == "__main__":
    main()
