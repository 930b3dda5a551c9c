"""Worker processes for `ormlint check` (and the language server's lint process), which neither
wedge nor outlive the run.

- A worker that dies (the kernel's out-of-memory killer sends SIGKILL) breaks the whole
  `ProcessPoolExecutor`: every unfinished job fails with `BrokenProcessPool`. Only the jobs
  handed out when it broke (`JOBS_PER_WORKER` per worker) are suspects; the rest go to a new
  pool. The suspects are then run again one at a time, each alone in a worker process while
  nothing else competes for memory. A job that kills that worker too gets `crashed(item)` as its
  result: the main process never runs it, since what kills a worker would kill the run.
- Workers die with the main process: on Linux the kernel kills them (`PR_SET_PDEATHSIG`),
  elsewhere a thread in each worker notices within `PARENT_POLL_SECONDS` that its parent is gone.
  SIGTERM to the main process kills its workers before it dies of the signal; Ctrl-C reaches
  the whole process group, and the workers leave it to the main process, which stops them.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

from ormlint import progress

JOBS_PER_WORKER = 2  # handed out at once: one running, one queued so that no worker waits
BROKEN_POOLS_AT_MOST = 3  # then every job left runs alone
PARENT_POLL_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

_live_pools: set[ProcessPoolExecutor] = set()
_NO_STEP = object()


def map_in_workers(
    function: Callable[[Any], Any],
    items: Sequence[Any],
    jobs: int,
    crashed: Callable[[Any], Any],
    meanwhile: Iterable[object] = (),
) -> list[Any]:
    """`[function(item) for item in items]`, run on `jobs` worker processes and handed out in the
    order of `items`. `crashed(item)` stands for the result of an item that killed its worker
    twice (once among others, once alone). `meanwhile` is the main process's own work, done one
    step per iteration while it waits for the workers (all of it is done before returning)."""
    results: dict[int, Any] = {}
    steps = iter(meanwhile)
    with _workers_killed_on_sigterm():
        waiting = list(range(len(items)))
        suspects: list[int] = []
        broken = 0
        while waiting and broken < BROKEN_POOLS_AT_MOST:
            handed_out = _run_pool(function, items, waiting, jobs, results, steps)
            if handed_out is None:
                break
            broken += 1
            suspects += handed_out
            waiting = [i for i in waiting if i not in results and i not in handed_out]
        for _ in steps:
            pass
        _run_alone(function, items, suspects + [i for i in waiting if i not in results], crashed, results)
    return [results[i] for i in range(len(items))]


def _run_pool(
    function: Callable[[Any], Any],
    items: Sequence[Any],
    order: list[int],
    jobs: int,
    results: dict[int, Any],
    steps: Iterator[object],
) -> set[int] | None:
    """Runs the items at `order` on a new pool, into `results`. None when all came back;
    otherwise a worker died, and the set of the items it may have been running."""
    queue = iter(order)
    in_flight: dict[Future, int] = {}
    with _pool(jobs) as pool:
        while True:
            try:
                while len(in_flight) < jobs * JOBS_PER_WORKER:
                    index = next(queue, None)
                    if index is None:
                        break
                    in_flight[pool.submit(function, items[index])] = index
            except BrokenProcessPool:  # broken before this item was handed out: not a suspect
                return _collect_broken(in_flight, results)
            if not in_flight:
                return None
            if next(steps, _NO_STEP) is _NO_STEP:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            else:  # between the main process's own steps: take what came back, wait for nothing
                done = {future for future in in_flight if future.done()}
            for future in done:
                if isinstance(future.exception(), BrokenProcessPool):
                    return _collect_broken(in_flight, results)
                results[in_flight.pop(future)] = future.result()
                progress.advance()


def _collect_broken(in_flight: dict[Future, int], results: dict[int, Any]) -> set[int]:
    """The results that came back before the pool broke, into `results`; the other items."""
    suspects = set()
    for future, index in in_flight.items():
        if future.done() and future.exception() is None:
            results[index] = future.result()
            progress.advance()
        elif future.done() and not isinstance(future.exception(), BrokenProcessPool):
            future.result()  # a bug in `function`: raised as without a pool
        else:
            suspects.add(index)
    return suspects


def _run_alone(
    function: Callable[[Any], Any],
    items: Sequence[Any],
    order: Sequence[int],
    crashed: Callable[[Any], Any],
    results: dict[int, Any],
) -> None:
    """Each item at `order` alone in a one-worker pool (a new one after each crash)."""
    remaining = list(order)
    while remaining:
        with _pool(1) as pool:
            while remaining:
                index = remaining.pop(0)
                try:
                    results[index] = pool.submit(function, items[index]).result()
                except BrokenProcessPool:
                    results[index] = crashed(items[index])
                    break  # the rest in a new pool
                finally:
                    progress.advance()


def worker_pool(max_workers: int, context: Any = None) -> ProcessPoolExecutor:
    """A process pool whose workers die with this process (`context`: multiprocessing's, by
    default its default one)."""
    context = context or multiprocessing.get_context()
    # The main process is each worker's parent, except under a fork server.
    parent = os.getpid() if context.get_start_method() in ("fork", "spawn") else None
    return ProcessPoolExecutor(
        max_workers=max_workers, mp_context=context, initializer=_worker_started,
        initargs=(parent,),
    )


def stop(pool: ProcessPoolExecutor) -> None:
    """Kills the pool's workers, whatever they are doing, and cancels its queued jobs."""
    _kill_workers(pool)
    pool.shutdown(wait=False, cancel_futures=True)


@contextmanager
def _pool(jobs: int) -> Iterator[ProcessPoolExecutor]:
    pool = worker_pool(jobs)
    _live_pools.add(pool)
    try:
        yield pool
    except BaseException:  # an error, Ctrl-C: the workers' queued jobs are no use any more
        stop(pool)
        raise
    else:
        pool.shutdown(wait=True)  # quick: either every job came back or the workers are dead
    finally:
        _live_pools.discard(pool)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    processes = getattr(pool, "_processes", None) or {}  # the executor's own pid -> Process
    for process in list(processes.values()):
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):  # already gone or reaped
            pass


@contextmanager
def _workers_killed_on_sigterm() -> Iterator[None]:
    """While the pool runs, SIGTERM kills the workers before the main process dies of it (only
    when nobody else handles SIGTERM, and only from the main thread, where handlers live)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
    except (AttributeError, ValueError):
        previous = None
    if previous != signal.SIG_DFL:
        yield
        return
    main_pid = os.getpid()

    def on_sigterm(signum: int, frame: Any) -> None:
        if os.getpid() == main_pid:  # not a worker just forked with this handler
            for pool in list(_live_pools):
                _kill_workers(pool)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


# -- in the worker --------------------------------------------------------------------------------


def _worker_started(parent: int | None) -> None:
    """Each worker's initializer: leave Ctrl-C and SIGTERM's handling to the defaults (a forked
    worker inherits the main process's handlers), and die with `parent` (None: the process that
    started this one, such as a fork server, which dies with the main process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        _kill_me_with_my_parent()
    if os.name == "posix":
        if parent is None:
            parent = os.getppid()
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
        watchdog = threading.Thread(
            target=_exit_when_orphaned, args=(parent,), name="ormlint-parent-watch", daemon=True
        )
        watchdog.start()


def _kill_me_with_my_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl (another libc): the watchdog thread remains
        pass


def _exit_when_orphaned(start_parent: int) -> None:
    """A portable fallback for PR_SET_PDEATHSIG: a worker whose parent died is adopted by
    another process, which changes its parent's pid."""
    import time

    while os.getppid() == start_parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)
