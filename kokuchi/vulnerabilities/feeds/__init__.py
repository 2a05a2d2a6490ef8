"""Vulnerability feeds: pure parsers (bytes → frozen records), loaders that upsert, and online sync.

Modules: records (the typed records), nvd, jvn, jvn_versions, kev, epss (parsers), loader (database
upserts, change tracking and the vulnerabilities_changed signal), http (polite HTTP client), sync
(online sync with resume markers), importer (offline import of files), parallel (worker processes
that parse files ahead of the database writes).
"""
