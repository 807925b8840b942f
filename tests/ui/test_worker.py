"""The window's one way to run background work (ui/worker.py): jobs on the shared threads of
service/blocking.py, their success, failure and progress as signals on the GUI thread, cancel,
callbacks dropped when the owner is gone, lanes that keep order or only the newest job."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import shiboken6
from PySide6.QtCore import QObject

from chatdesk.service import blocking
from chatdesk.ui.worker import (
    FunctionWorker,
    GeneratorWorker,
    Lane,
    jobs_running,
    run_in_background,
    wait_for_jobs,
)


def test_a_function_s_result_and_failure_arrive_on_the_gui_thread(qtbot):
    gui = threading.get_ident()
    ran_on: list[int] = []
    seen: list[object] = []

    def work() -> int:
        ran_on.append(threading.get_ident())
        return 42

    worker = FunctionWorker(work)
    worker.returned.connect(lambda value: seen.append((value, threading.get_ident())))
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    assert ran_on
    assert ran_on[0] != gui
    assert seen == [(42, gui)]
    assert not worker.running

    def fail() -> None:
        raise ValueError("no")

    failing = FunctionWorker(fail)
    errors: list[BaseException] = []
    failing.errored.connect(errors.append)
    with qtbot.waitSignal(failing.finished, timeout=5000):
        failing.start()
    assert [str(e) for e in errors] == ["no"]


def test_jobs_run_on_the_shared_threads(qtbot, monkeypatch):
    jobs: list[object] = []
    real_run = blocking.THREADS.run
    monkeypatch.setattr(blocking.THREADS, "run", lambda job: (jobs.append(job), real_run(job)))
    worker = FunctionWorker(lambda: None)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    assert len(jobs) == 1


def test_a_generator_s_items_arrive_in_order_as_progress(qtbot):
    worker = GeneratorWorker(lambda: iter(range(5)))
    items: list[object] = []
    worker.yielded.connect(items.append)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    assert items == [0, 1, 2, 3, 4]


def test_cancel_stops_a_generator_at_its_next_item_and_closes_it(qtbot):
    release = threading.Event()
    closed = threading.Event()

    def make() -> Iterator[int]:
        try:
            yield 1
            release.wait(5)
            yield 2
            yield 3
        finally:
            closed.set()

    worker = GeneratorWorker(make)
    items: list[object] = []
    worker.yielded.connect(items.append)
    worker.start()
    qtbot.waitUntil(lambda: items == [1], timeout=5000)
    worker.cancel()
    release.set()
    qtbot.waitUntil(lambda: not worker.running, timeout=5000)
    assert items == [1]
    assert closed.is_set()


def test_a_cancelled_function_s_result_is_not_delivered(qtbot):
    release = threading.Event()
    worker = FunctionWorker(lambda: release.wait(5))
    seen: list[object] = []
    worker.returned.connect(seen.append)
    worker.errored.connect(seen.append)
    worker.start()
    worker.cancel()
    release.set()
    with qtbot.waitSignal(worker.finished, timeout=5000):
        pass
    assert seen == []
    assert worker.cancelled


def test_callbacks_run_only_while_the_owner_exists(qtbot):
    owner = QObject()
    started, release, ran = threading.Event(), threading.Event(), threading.Event()
    told: list[object] = []

    def work() -> str:
        started.set()
        release.wait(5)
        ran.set()
        return "late"

    worker = run_in_background(
        work, owner, returned=told.append, errored=told.append, finished=lambda: told.append("end")
    )
    assert started.wait(5)
    shiboken6.delete(owner)  # a dialog closed and deleted while its job runs
    assert worker.cancelled  # the owner's end cancels the job
    release.set()
    assert ran.wait(5)
    qtbot.waitUntil(lambda: not worker.running, timeout=5000)
    assert told == []

    kept = QObject()
    run_in_background(lambda: 7, kept, returned=told.append, finished=lambda: told.append("end"))
    qtbot.waitUntil(lambda: told == [7, "end"], timeout=5000)


def test_a_lane_runs_its_jobs_one_at_a_time_in_order(qtbot):
    lane = Lane()
    order: list[int] = []
    inside = [0]
    overlap = [False]

    def job(n: int) -> None:
        inside[0] += 1
        overlap[0] |= inside[0] > 1
        threading.Event().wait(0.01)
        order.append(n)
        inside[0] -= 1

    workers = [FunctionWorker(lambda n=n: job(n)) for n in range(6)]
    for worker in workers:
        worker.start(lane)
    assert lane.wait(5)
    qtbot.waitUntil(lambda: not any(w.running for w in workers), timeout=5000)
    assert order == list(range(6))
    assert not overlap[0]


def test_a_latest_only_lane_skips_the_jobs_a_newer_one_replaced(qtbot):
    lane = Lane(latest_only=True)
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []
    first = FunctionWorker(lambda: (started.set(), release.wait(5), ran.append("first")))
    first.start(lane)
    assert started.wait(5)
    later = [FunctionWorker(lambda q=q: ran.append(q)) for q in ("a", "ab", "abc")]
    for worker in later:
        worker.start(lane)
    release.set()
    assert lane.wait(5)
    assert ran == ["first", "abc"]  # the one running ends; of those waiting, only the newest
    qtbot.waitUntil(lambda: not any(w.running for w in [first, *later]), timeout=5000)


def test_clearing_a_lane_drops_the_jobs_not_started_yet(qtbot):
    lane = Lane()
    release = threading.Event()
    ran: list[int] = []
    workers = [FunctionWorker(lambda: release.wait(5))]
    workers += [FunctionWorker(lambda n=n: ran.append(n)) for n in range(3)]
    for worker in workers:
        worker.start(lane)
    lane.clear()
    release.set()
    assert lane.wait(5)
    assert ran == []
    # Each still says finished, so nobody waits for a job that will never come.
    qtbot.waitUntil(lambda: not any(w.running for w in workers), timeout=5000)


def test_wait_for_jobs_waits_for_every_started_job(qtbot):
    release = threading.Event()
    worker = FunctionWorker(lambda: release.wait(5))
    worker.start()
    assert jobs_running() >= 1
    assert not wait_for_jobs(0.05)
    release.set()
    assert wait_for_jobs(5)
    assert jobs_running() == 0
    qtbot.waitUntil(lambda: not worker.running, timeout=5000)


def test_a_generator_s_return_value_arrives_as_returned(qtbot):
    def make() -> Iterator[int]:
        yield 1
        return "summary"

    worker = GeneratorWorker(make)
    seen: list[object] = []
    worker.yielded.connect(seen.append)
    worker.returned.connect(seen.append)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    assert seen == [1, "summary"]


def test_run_in_background_reports_progress_to_a_living_owner(qtbot):
    owner = QObject()
    told: list[object] = []

    def count() -> Iterator[tuple[int, int]]:
        for done in range(1, 4):
            yield done, 3
        return "indexed"

    run_in_background(
        count, owner, yielded=told.append, returned=told.append, finished=lambda: told.append("end")
    )
    qtbot.waitUntil(lambda: "end" in told, timeout=5000)
    assert told == [(1, 3), (2, 3), (3, 3), "indexed", "end"]
