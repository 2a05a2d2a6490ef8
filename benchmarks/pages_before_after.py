"""Screens and page timings before and after the staff-UI design work, on the demo data of each revision.

    .venv/bin/python benchmarks/pages_before_after.py [--revision REV] [--loads 5] [--out FILE]

For each side, "before" (REV, by default the parent of the first design-system commit) and "after" (this
checkout, uncommitted changes included): a fresh data directory, `kokuchi migrate` and `kokuchi demo`,
one customer link for a disclosure awaiting acknowledgement, `kokuchi runserver` (DEBUG on, as
`make run`), then Chromium (Playwright) logs in as the demo sales user and, at 1366×900 and 390×844,
saves a full-page screenshot of each page and loads it `--loads` times. The median of those loads is
recorded per page: the time to the load event and the server's time to the first byte.

REV is exported with `git archive` into a temporary directory (the repository itself is not changed).
It runs on this virtualenv's Python when every dependency it pins is installed here at that version;
otherwise a virtualenv is made for it from the same base Python and its pins are installed with pip.

Screenshots: var/browser/before/<size>/ and var/browser/after/<size>/ (not committed).
Timings: benchmarks/results/pages.json.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import io
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREENS = ROOT / "var" / "browser"
RESULTS = ROOT / "benchmarks" / "results" / "pages.json"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SALES_LOGIN = ("sales", "demo-sales-pass")  # the demo's published login (kokuchi/demo/data.py DEMO_USERS)
# The commit that started the design system; the default "before" is its parent.
DESIGN_SYSTEM_SUBJECT = "^Design system: grouped navigation"

# Printed by `kokuchi shell -c` in each checkout: the demo rows whose pages are shown, and a fresh
# customer link for a current disclosure nobody acknowledged yet (the customer's page needs its token).
SETUP_SNIPPET = """
import json
from django.contrib.auth.models import User
from kokuchi.acknowledgements.models import Acknowledgement
from kokuchi.acknowledgements.services import create_customer_link
from kokuchi.devices.models import Device
from kokuchi.disclosures.models import DisclosureVersion
from kokuchi.evidence.services import Origin
from kokuchi.exposures.models import Exposure

acknowledged = Acknowledgement.objects.values("version_id")
version = (
    DisclosureVersion.objects.filter(superseded_by__isnull=True)
    .exclude(pk__in=acknowledged)
    .select_related("disclosure__deal__customer")
    .order_by("pk")
    .first()
)
deal = version.disclosure.deal
link = create_customer_link(
    version=version,
    created_by=User.objects.get(username="sales"),
    contact=None,  # no e-mail: the revision before passes SMTP options to any mail backend
    origin=Origin(channel="staff_ui"),
)
exposed = Exposure.objects.order_by("device_id").values_list("device_id", flat=True).first()
device = exposed or Device.objects.filter(deal=deal).order_by("pk").values_list("pk", flat=True).first()
print("SETUP " + json.dumps({"deal": deal.pk, "customer": deal.customer_id, "device": device, "token": link.token}))
"""


def pages(ids: dict) -> list[tuple[str, str, bool]]:
    """(name, path, needs login) of the screens compared; the same URLs exist in both revisions."""
    return [
        ("login", "/accounts/login/", False),
        ("dashboard", "/", True),
        ("customers", "/customers/", True),
        ("customer", f"/customers/{ids['customer']}/", True),
        ("deals", "/deals/", True),
        ("deal", f"/deals/{ids['deal']}/", True),
        ("devices", "/devices/", True),
        ("disclosure", f"/disclosures/deal/{ids['deal']}/", True),
        ("acknowledgement", f"/ack/deals/{ids['deal']}/", True),
        ("exposures", "/exposures/", True),
        ("device-exposures", f"/exposures/devices/{ids['device']}/", True),
        ("feeds", "/vulnerabilities/feeds/", True),
        ("vulnerabilities", "/vulnerabilities/", True),
        ("customer-page", f"/ack/c/{ids['token']}/", False),
    ]


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def default_revision() -> str:
    first = git("log", "--format=%H", "--reverse", "-E", f"--grep={DESIGN_SYSTEM_SUBJECT}", "HEAD").splitlines()
    if not first:
        raise SystemExit("No design-system commit in this history: pass --revision")
    return git("rev-parse", f"{first[0]}^")


def export_revision(revision: str, target: Path) -> None:
    """Write the files of `revision` into `target` (git archive: no worktree, no change to the repository)."""
    archive = subprocess.run(["git", "archive", "--format=tar", revision], cwd=ROOT, check=True, capture_output=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")


def _pins(tree: Path) -> list[tuple[str, str]]:
    project = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"]) + list(project.get("optional-dependencies", {}).get("test", []))
    pins = []
    for requirement in requirements:
        match = re.match(r"^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*==\s*([^\s;,]+)", requirement)
        if match:
            pins.append((match[1], match[2]))
    return pins


def python_for(tree: Path, work: Path) -> tuple[str, str]:
    """The interpreter that runs `tree`, and how it was chosen."""
    missing = []
    for name, version in _pins(tree):
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            missing.append(f"{name}=={version} (here: {installed})")
    if not missing:
        return sys.executable, "this virtualenv (every pinned dependency of the revision is installed here)"
    venv = work / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-e", f"{tree}[test]"], check=True)
    return python, f"a new virtualenv from {base}; differing pins: {', '.join(missing)}"


class Site:
    """One checkout with its own data directory and development server."""

    def __init__(self, *, label: str, tree: Path, python: str, data_dir: Path, port: int) -> None:
        self.label, self.tree, self.python, self.port = label, tree, python, port
        self.env = os.environ | {
            "PYTHONPATH": str(tree),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "KOKUCHI_DATA_DIR": str(data_dir),
            "KOKUCHI_DEBUG": "1",
            "KOKUCHI_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "KOKUCHI_SITE_URL": f"http://127.0.0.1:{port}",
        }
        self.env.pop("DATABASE_URL", None)
        self.server: subprocess.Popen | None = None
        self.log = data_dir / "server.log"
        data_dir.mkdir(parents=True, exist_ok=True)

    def kokuchi(self, *args: str) -> str:
        command = [self.python, "-c", "from kokuchi.cli import main; main()", *args]
        done = subprocess.run(command, cwd=self.tree, env=self.env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{self.label}: kokuchi {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def prepare(self) -> dict:
        started = time.perf_counter()
        self.kokuchi("migrate", "--noinput")
        self.kokuchi("demo")
        output = self.kokuchi("shell", "-c", SETUP_SNIPPET)
        line = next(line for line in output.splitlines() if line.startswith("SETUP "))
        print(f"{self.label}: migrated and loaded the demo in {time.perf_counter() - started:.0f} s", flush=True)
        return json.loads(line.removeprefix("SETUP "))

    def start(self) -> str:
        command = [self.python, "-c", "from kokuchi.cli import main; main()", "runserver", "--noreload"]
        with self.log.open("w") as log:
            self.server = subprocess.Popen(
                [*command, f"127.0.0.1:{self.port}"], cwd=self.tree, env=self.env, stdout=log, stderr=log
            )
        base = f"http://127.0.0.1:{self.port}"
        for _attempt in range(120):
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=5).read()
                return base
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.server.poll() is not None:
                    break
                time.sleep(0.5)
        raise RuntimeError(f"{self.label}: the server did not answer; see {self.log}")

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=20)


def fontconfig_with_bundled_font(work: Path) -> Path:
    """A fontconfig file adding the bundled Japanese font (IPAexGothic) to the system's fonts, so that both
    revisions are drawn with a Japanese font as on a Japanese user's computer (this machine has none;
    only the later revision serves the font itself as a fallback)."""
    path = work / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{ROOT / 'kokuchi' / 'core' / 'fonts'}</dir>\n"
        f"  <cachedir>{work / 'fontcache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", SALES_LOGIN[0])
    page.fill("input[name=password]", SALES_LOGIN[1])
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    if "/accounts/login/" in page.url:
        raise RuntimeError(f"login refused at {base}")


NAVIGATION_TIMING = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {load: nav.loadEventEnd - nav.startTime, ttfb: nav.responseStart - nav.requestStart};
}"""


def measure(browser, base: str, ids: dict, folder: Path, loads: int) -> dict:
    """Screenshots and timings of every page at both sizes."""
    results: dict = {}
    for size, viewport in VIEWPORTS.items():
        phone = size == "phone"
        options = {"viewport": viewport, "locale": "ja-JP"} | ({"is_mobile": True, "has_touch": True} if phone else {})
        staff = browser.new_context(**options)
        anonymous = browser.new_context(**options)
        try:
            staff_page = staff.new_page()
            log_in(staff_page, base)
            anonymous_page = anonymous.new_page()
            (folder / size).mkdir(parents=True, exist_ok=True)
            for number, (name, path, needs_login) in enumerate(pages(ids), start=1):
                page = staff_page if needs_login else anonymous_page
                runs = []
                for _load in range(loads):
                    response = page.goto(f"{base}{path}", wait_until="load")
                    timing = page.evaluate(NAVIGATION_TIMING)
                    runs.append(
                        {
                            "load_ms": round(timing["load"], 1),
                            "ttfb_ms": round(timing["ttfb"], 1),
                            "status": response.status if response else 0,
                        }
                    )
                page.evaluate("document.fonts.ready.then(() => true)")
                shot = folder / size / f"{number:02d}-{name}.png"
                page.screenshot(path=str(shot), full_page=True)
                results.setdefault(name, {"path": re.sub(r"/c/[^/]+/", "/c/<token>/", path)})[size] = {
                    "median_load_ms": round(statistics.median(run["load_ms"] for run in runs), 1),
                    "median_ttfb_ms": round(statistics.median(run["ttfb_ms"] for run in runs), 1),
                    "status": runs[-1]["status"],
                    "screenshot": str(shot.relative_to(ROOT)),
                }
                print(f"  {size:7s} {name:18s} {results[name][size]['median_load_ms']:8.1f} ms", flush=True)
        finally:
            staff.close()
            anonymous.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revision", help="the 'before' revision (default: parent of the first design-system commit)")
    parser.add_argument("--loads", type=int, default=5, help="loads per page and size; the median is kept")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (data, server logs)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    revision = git("rev-parse", args.revision) if args.revision else default_revision()
    work = Path(tempfile.mkdtemp(prefix="kokuchi-before-after-"))
    tree = work / "tree"
    tree.mkdir()
    export_revision(revision, tree)
    python, python_note = python_for(tree, work)
    print(f"before: {revision[:12]} in {tree}, run with {python_note}", flush=True)
    sides = {
        "before": Site(label="before", tree=tree, python=python, data_dir=work / "before-data", port=free_port()),
        "after": Site(label="after", tree=ROOT, python=sys.executable, data_dir=work / "after-data", port=free_port()),
    }
    described = {
        "before": {"revision": revision, "subject": git("log", "-1", "--format=%s", revision), "python": python_note},
        "after": {
            "revision": git("rev-parse", "HEAD"),
            "subject": git("log", "-1", "--format=%s", "HEAD"),
            "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no")),
        },
    }
    output: dict = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
            "python": platform.python_version(),
        },
        "method": (
            f"kokuchi runserver (DEBUG on, SQLite, demo data), Chromium headless with the bundled Japanese font "
            f"installed; per page and size {args.loads} loads, median of the navigation's load event (load_ms) "
            "and time to first byte (ttfb_ms)"
        ),
    }
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=CHROMIUM_ARGS,
                env=os.environ | {"FONTCONFIG_FILE": str(fontconfig_with_bundled_font(work))},
            )
            try:
                for label, site in sides.items():
                    ids = site.prepare()
                    base = site.start()
                    try:
                        folder = SCREENS / label
                        shutil.rmtree(folder, ignore_errors=True)
                        print(f"{label}: {base}", flush=True)
                        described[label]["pages"] = measure(browser, base, ids, folder, args.loads)
                    finally:
                        site.stop()
            finally:
                browser.close()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    output["machine"]["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
    output |= described
    args.out.write_text(json.dumps(output, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
