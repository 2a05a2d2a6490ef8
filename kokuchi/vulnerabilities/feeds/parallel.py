"""Parse feed files in worker processes while the caller writes earlier files to the database.

Parsing and building records is most of the CPU cost of a full NVD/JVN import, the database
writes the rest, and they can overlap on a machine with two or more cores. ParsedFiles forks
worker processes when an import starts; each takes whole files (worker k the k-th, k+n-th… of
the big files), parses them in order and hands the loader's rows over in batches through its
own pipe, while the caller reads file after file, each inside its own transaction. A file is
parsed exactly once. In the caller, a thread per worker drains its pipe into a queue of pickled
batches, so that a worker whose file is not being written yet keeps parsing instead of waiting
on a full pipe. Memory stays bounded: each queue holds at most QUEUED batches (of BATCH rows,
kept pickled until read); a worker that far ahead waits.

Workers never touch the database (they leave through os._exit without closing the inherited
connections). A FeedError in a worker is re-raised in the caller with its file and position, so
the caller's transaction rolls back exactly as with in-process parsing.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .loader import LoadRow, row_builder
from .records import FeedError

# Files smaller than this (1 MiB) are parsed in-process: a worker is not worth it.
MIN_PARALLEL_BYTES = 1 << 20
BATCH = 1000
WORKERS = 2
QUEUED = 32  # batches per worker waiting for the caller (about 50 MB of pickled NVD rows)
_ENDED = object()  # queued by a drain thread when its worker's pipe is closed


def _worker(parse: Callable, jobs: list[tuple[int, Path, str]], send) -> None:
    """Parse each job's file in order and send ("rows", rows, bytes read), then ("done", index, 0)
    or ("error"/"crash", …) for it. Stops at the first bad file: the import stops there too."""
    # The objects inherited from the parent are never garbage here: keep the collector off them
    # (fewer pages copied on write, shorter collections).
    gc.freeze()
    build = row_builder()
    consumed = [0]

    def on_read(n: int) -> None:
        consumed[0] += n

    try:
        for _index, path, file in jobs:
            try:
                batch = []
                for record in parse(path, file=file, on_read=on_read):
                    batch.append(build(record))
                    if len(batch) >= BATCH:
                        send.send(("rows", batch, consumed[0]))
                        batch, consumed[0] = [], 0
                send.send(("rows", batch, consumed[0]))
                consumed[0] = 0
                send.send(("done", None, 0))
            except FeedError as exc:
                send.send(("error", (exc.message, exc.file, exc.position), 0))
                return
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it as a FeedError
                send.send(("crash", f"{type(exc).__name__}: {exc}", 0))
                return
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent stopped the import (a bad file or an error of its own)
    finally:
        send.close()


def _run_worker(parse: Callable, jobs: list[tuple[int, Path, str]], send) -> None:
    try:
        _worker(parse, jobs, send)
    finally:
        # Skip atexit handlers and finalizers: they would close the parent's database connections.
        os._exit(0)


class ParsedFiles:
    """The loader rows of several files of one source, file after file, parsed ahead in workers.

    Use as a context manager; `rows(i)` yields file i's rows in file order and must be called for
    the files in order (each file once). Files that are small, missing, or all files when
    `parallel` is False (or when fork is unavailable) are parsed in the calling process.
    `parallel=None` decides per file by size (MIN_PARALLEL_BYTES) and the number of CPUs.
    """

    def __init__(
        self,
        parse: Callable,
        paths: Sequence[Path],
        *,
        files: Sequence[str] | None = None,
        parallel: bool | None = None,
        workers: int = WORKERS,
    ) -> None:
        self.parse = parse
        self.paths = [Path(path) for path in paths]
        self.files = list(files) if files is not None else [str(path) for path in self.paths]
        self.assigned: dict[int, int] = {}  # file index → worker
        self.receivers: list = []
        self.processes: list = []
        self.queues: list[queue.Queue] = []
        self.threads: list[threading.Thread] = []
        self.closing = threading.Event()
        self.next_index = 0
        if parallel is False or "fork" not in multiprocessing.get_all_start_methods():
            return
        if parallel is None and (os.cpu_count() or 1) < 2:
            return
        pooled = [index for index, path in enumerate(self.paths) if _worth_a_worker(path, parallel)]
        if not pooled:
            return
        count = max(1, min(workers, len(pooled)))
        jobs: list[list[tuple[int, Path, str]]] = [[] for _ in range(count)]
        for position, index in enumerate(pooled):
            jobs[position % count].append((index, self.paths[index], self.files[index]))
            self.assigned[index] = position % count
        context = multiprocessing.get_context("fork")
        try:
            for worker_jobs in jobs:
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_run_worker, args=(parse, worker_jobs, send), daemon=True)
                process.start()
                send.close()
                self.receivers.append(receive)
                self.processes.append(process)
            # Threads only once every worker is forked (forking a threaded process risks deadlocks).
            for receive in self.receivers:
                batches: queue.Queue = queue.Queue(maxsize=QUEUED)
                thread = threading.Thread(
                    target=self._drain, args=(receive, batches), daemon=True, name=f"feed-parser-{len(self.threads)}"
                )
                thread.start()
                self.queues.append(batches)
                self.threads.append(thread)
        except BaseException:
            self.close()
            raise

    def _drain(self, receive, batches: queue.Queue) -> None:
        """Move a worker's messages (still pickled) from its pipe into its queue until the pipe ends."""
        while not self.closing.is_set():
            try:
                message = receive.recv_bytes()
            except (EOFError, OSError):
                message = _ENDED
            while not self.closing.is_set():
                try:
                    batches.put(message, timeout=0.5)
                    break
                except queue.Full:
                    continue
            if message is _ENDED:
                return

    def __enter__(self) -> ParsedFiles:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def rows(self, index: int, *, on_read: Callable[[int], None] | None = None) -> Iterator[LoadRow]:
        """Yield the loader rows of file `index` in file order; raise FeedError for a bad file."""
        if index != self.next_index:
            raise ValueError(f"files must be read in order: expected file {self.next_index}, not {index}")
        self.next_index += 1
        worker = self.assigned.get(index)
        if worker is None:
            build = row_builder()
            for record in self.parse(self.paths[index], file=self.files[index], on_read=on_read):
                yield build(record)
            return
        batches = self.queues[worker]
        file = self.files[index]
        while True:
            message = batches.get()
            if message is _ENDED:
                raise FeedError("parser process ended unexpectedly", file=file)
            kind, payload, consumed = pickle.loads(message)
            if on_read is not None and consumed:
                on_read(consumed)
            if kind == "rows":
                yield from payload
            elif kind == "done":
                return
            elif kind == "error":
                error, error_file, position = payload
                raise FeedError(error, file=error_file, position=position)
            else:
                raise FeedError(f"parser process failed: {payload}", file=file)

    def close(self) -> None:
        """Stop the workers (those still parsing files that will not be read are killed) and the
        drain threads."""
        self.closing.set()
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join()
        for thread in self.threads:
            thread.join()
        for receive in self.receivers:
            receive.close()
        self.receivers, self.processes, self.threads, self.queues = [], [], [], []


def _worth_a_worker(path: Path, parallel: bool | None) -> bool:
    try:
        size = path.stat().st_size if path.is_file() else None
    except OSError:
        return False
    if size is None:
        return False
    return parallel is True or size >= MIN_PARALLEL_BYTES
