"""`kokuchi feeds sync|import|status|enqueue|unparsed-versions`: vulnerability feeds from the command line.

Cron example (daily at 04:30 JST): `30 4 * * * kokuchi feeds sync >> /var/log/kokuchi-feeds.log 2>&1`
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from kokuchi.vulnerabilities.feeds.http import FeedHttpError
from kokuchi.vulnerabilities.feeds.importer import SOURCES as IMPORT_SOURCES
from kokuchi.vulnerabilities.feeds.importer import import_feed_files
from kokuchi.vulnerabilities.feeds.records import FeedError
from kokuchi.vulnerabilities.feeds.reparse import reparse_jvn_version_texts
from kokuchi.vulnerabilities.feeds.sync import SOURCES, FeedSyncError, sync_feeds
from kokuchi.vulnerabilities.selectors import feed_overview, unparsed_version_texts
from kokuchi.vulnerabilities.tasks import sync_feeds_task


class Command(BaseCommand):
    help = (
        "Vulnerability feeds (NVD, JVN iPedia, CISA KEV, FIRST EPSS, vendors' CSAF advisories, CVE JSON 5 records): "
        "sync online, import files, show status."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync", help="Fetch what changed online (all feeds unless --source).")
        sync.add_argument(
            "--source", choices=SOURCES, action="append", help="Feed to sync; repeat for several. Default: all."
        )
        imp = sub.add_parser("import", help="Import downloaded feed files (offline sites).")
        imp.add_argument("--source", choices=IMPORT_SOURCES, required=True)
        imp.add_argument("paths", nargs="+", type=Path)
        imp.add_argument("--no-progress", action="store_true", help="No progress bar.")
        sub.add_parser("status", help="Last run, counts and errors per feed.")
        enqueue = sub.add_parser("enqueue", help="Enqueue a sync for the task worker (django_tasks_db).")
        enqueue.add_argument("--source", choices=SOURCES, action="append")
        unparsed = sub.add_parser(
            "unparsed-versions",
            help="JVN version texts not understood (matched as 'version range unknown', for staff review), "
            "with counts.",
        )
        unparsed.add_argument(
            "--reparse",
            action="store_true",
            help="First apply the current parser to the stored texts; run `kokuchi match` afterwards.",
        )

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action.replace('-', '_')}")(**options)

    def _report(self, source, result) -> None:
        self.stdout.write(
            f"{source}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.deleted} deleted, "
            f"{len(result.changed_ids)} changed IDs, {result.pages} page(s)/file(s)"
        )
        for message in result.messages:
            self.stdout.write(f"  {message}")

    def _sync(self, *, source=None, **options):
        try:
            results = sync_feeds(sources=source)
        except FeedSyncError as exc:
            for name, result in exc.results.items():
                self._report(name, result)
            raise CommandError("feed sync failed: " + "; ".join(exc.failures)) from exc
        for name, result in results.items():
            self._report(name, result)

    def _import(self, *, source, paths, no_progress=False, verbosity=1, **options):

        total = sum(path.stat().st_size for path in paths if path.is_file())
        bar = tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            desc=f"{source} import",
            disable=no_progress or verbosity == 0,
            file=self.stderr._out,
        )
        try:
            result = import_feed_files(source=source, paths=paths, on_read=bar.update)
        except (FeedError, FeedHttpError) as exc:
            raise CommandError(f"import rejected, database unchanged for this file: {exc}") from exc
        finally:
            bar.close()
        self._report(source, result)

    def _status(self, **options):
        for row in feed_overview():
            run = row.last_run
            when = timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M") if run else "never"
            self.stdout.write(
                f"{row.source}: last run {when}"
                + (
                    f" ({run.kind}, {run.status}, {run.created} created, {run.updated} updated, "
                    f"{run.unchanged} unchanged, {run.deleted} deleted)"
                    if run
                    else ""
                )
            )
            upto = timezone.localtime(row.watermark).strftime("%Y-%m-%d %H:%M") if row.watermark else "-"
            self.stdout.write(
                f"  rows: {row.count}; synchronised up to: {upto}"
                f"{'; resume marker pending' if row.resume_pending else ''}"
            )
            if row.last_error:
                self.stdout.write(f"  last error: {row.last_error}")

    def _unparsed_versions(self, *, reparse=False, **options):
        if reparse:
            result = reparse_jvn_version_texts()
            self.stdout.write(
                f"reparsed {result.examined} affected product(s): {result.now_parsed} now parsed, "
                f"{result.now_unparsed} no longer parsed, {result.ranges_changed} with other ranges; "
                f"{len(result.vulnerability_ids)} vulnerabilities marked changed (run `kokuchi match`)"
            )
        rows = unparsed_version_texts()
        total = sum(row.affected_products for row in rows)
        self.stdout.write(f"{len(rows)} distinct unparsed version text(s), {total} affected product(s)")
        self.stdout.write("count\tvulnerabilities\ttext\texamples")
        for row in rows:
            text = row.text.replace("\n", " / ") if row.text else "(no version text)"
            self.stdout.write(f"{row.affected_products}\t{row.vulnerabilities}\t{text}\t{', '.join(row.example_ids)}")

    def _enqueue(self, *, source=None, **options):

        result = sync_feeds_task.enqueue(sources=source)
        self.stdout.write(f"enqueued feed sync task {result.id} ({result.status})")
