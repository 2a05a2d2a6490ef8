"""Parse a feed file in a child process while the caller writes the previous batch to the database.

Parsing is most of the CPU cost of a full load and the database writes are the rest; on a
two-core machine doing both at once shortens a full NVD/JVN import markedly. The child only
parses (it never touches the database: it exits through os._exit without closing the inherited
connections) and hands over batches through a pipe, whose limited buffer keeps memory bounded.
A FeedError in the child is re-raised in the parent with its file and position, so the caller's
transaction rolls back exactly as with in-process parsing.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

from .records import FeedError, VulnRecord

# Files smaller than this (1 MiB) are parsed in-process: a child process is not worth it.
MIN_PARALLEL_BYTES = 1 << 20
BATCH = 500


def _slim_record(record: VulnRecord):
    """Pickle a record without its configurations/references objects: the loader writes their JSON
    text (configurations_json/references_json, carried along), and pickling the nested objects
    cost a third of the hand-over."""
    state = record.__dict__.copy()
    state["configurations"] = state["references"] = ()
    return _unpickle_record, (state,)


def _unpickle_record(state: dict) -> VulnRecord:
    record = object.__new__(VulnRecord)
    record.__dict__.update(state)
    return record


def _worker(parse, path: Path, file: str, share: tuple[int, int], send) -> None:
    # Only in this (forked) child: records sent to the parent travel slim.
    ForkingPickler.register(VulnRecord, _slim_record)
    consumed = [0]

    def on_read(n: int) -> None:
        consumed[0] += n

    try:
        batch = []
        for record in parse(path, file=file, on_read=on_read, share=share):
            batch.append(record)
            if len(batch) >= BATCH:
                send.send(("records", batch, consumed[0]))
                batch, consumed[0] = [], 0
        send.send(("records", batch, consumed[0]))
        send.send(("done", None, 0))
    except FeedError as exc:
        send.send(("error", (exc.message, exc.file, exc.position), 0))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it as a FeedError
        send.send(("crash", f"{type(exc).__name__}: {exc}", 0))
    finally:
        send.close()


def iter_parsed(parse: Callable, path: Path, *, file: str, on_read: Callable[[int], None] | None = None,
                parallel: bool | None = None, workers: int = 2) -> Iterator:
    """Yield parse(path, file=..., on_read=...)'s records in file order; for big files, `workers`
    child processes each build every n-th record (parse(..., share=(k, n))) and the results are
    interleaved back into file order. Records from child processes come without their
    `configurations`/`references` objects (empty tuples): only the JSON texts are handed over,
    which is all upsert_vulnerabilities() reads."""
    if parallel is None:
        parallel = path.stat().st_size >= MIN_PARALLEL_BYTES and (os.cpu_count() or 1) > 1
    if not parallel or "fork" not in multiprocessing.get_all_start_methods():
        yield from parse(path, file=file, on_read=on_read)
        return
    context = multiprocessing.get_context("fork")
    receivers, processes = [], []
    try:
        for k in range(workers):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_worker, args=(parse, path, file, (k, workers), send), daemon=True)
            process.start()
            send.close()
            receivers.append(receive)
            processes.append(process)
        done = [False] * workers
        while not all(done):
            batches = []
            for k, receive in enumerate(receivers):
                if done[k]:
                    batches.append([])
                    continue
                try:
                    kind, payload, consumed = receive.recv()
                except EOFError as exc:
                    raise FeedError("parser process ended unexpectedly", file=file) from exc
                if on_read is not None and consumed and k == 0:
                    on_read(consumed)  # every worker reads the whole file; count it once
                if kind == "records":
                    batches.append(payload)
                elif kind == "done":
                    done[k] = True
                    batches.append([])
                elif kind == "error":
                    message, error_file, position = payload
                    raise FeedError(message, file=error_file, position=position)
                else:
                    raise FeedError(f"parser process failed: {payload}", file=file)
            # Worker k holds records k, k+n, k+2n…: interleave them back into file order.
            for index in range(max(len(b) for b in batches)):
                for batch in batches:
                    if index < len(batch):
                        yield batch[index]
    finally:
        for receive in receivers:
            receive.close()
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
