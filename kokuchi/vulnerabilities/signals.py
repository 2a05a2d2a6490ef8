"""Signals the vulnerabilities app sends to the apps above it, which it cannot import."""

from django.dispatch import Signal

vulnerabilities_changed = Signal()
"""Published vulnerability knowledge changed.

Sent by the feed loaders (offline import and online sync) once each transaction that wrote a
file or page has committed, with ``sender=Vulnerability`` and ``vuln_ids`` (a set of the
vulnerability IDs created or changed, and of CVE IDs whose KEV entry was added, changed or
removed; never empty). Return values are not used. The exposures app matches these
vulnerabilities against the installed base here.
"""

feed_sync_failed = Signal()
"""A feed sync failed.

Sent by ``feeds.sync.sync_feeds`` after recording the failed FeedRun, with ``sender=FeedRun``,
``source`` (the feed name, e.g. "nvd"), ``run_id`` (the FeedRun's id) and ``error`` (the message).
Return values are not used. The api app announces it to webhook subscribers.
"""
