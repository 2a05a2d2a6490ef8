"""Signals the evidence app sends to the apps above it, which it cannot import."""

from django.dispatch import Signal

verify_event = Signal()
"""Check one evidence event against the rows and files it names in another app.

Sent by ``evidence.verification.verify_evidence`` for every event of the chain when stored files
are checked, with ``sender=EvidenceEvent`` and ``event`` (the EvidenceEvent). Each receiver
returns a problem sentence, or None when the event is consistent with its data; the sentences
are reported next to the event's row. The acknowledgements app checks here that the disclosure
version an event names still holds the PDF with the recorded sha256.
"""

verify_records = Signal()
"""Check the records another app keeps as evidence against the events that recorded them.

Sent once by ``evidence.verification.verify_evidence`` after the chain walk (when stored files are
checked), with ``sender=EvidenceEvent``. Each receiver returns a list of problem sentences, each
naming the row (e.g. "acknowledgement #3: ...") — an empty list when everything matches. The
acknowledgements app checks acknowledgements (signer, ticked items, receipt), customer links
(creation, expiry, revocation) and the disclosure versions the events name.
"""
