"""The one pool of background threads and `call_blocking`: a blocking call with a deadline and
a way out, woken at once (no polling), its late result handed to `discard`."""

from __future__ import annotations

import threading
import time

import pytest

from chatdesk.service.blocking import (
    THREADS,
    Cancelled,
    DeadlinePassed,
    Threads,
    call_blocking,
)
from chatdesk.service.events import CancelToken


def test_threads_are_reused_not_started_per_job():
    threads = Threads(keep=2)
    idents: list[int] = []
    for _ in range(5):
        done = threading.Event()
        threads.run(lambda d=done: (idents.append(threading.get_ident()), d.set()))
        assert done.wait(5)
        deadline = time.monotonic() + 5
        while not threads._idle and time.monotonic() < deadline:  # the thread parks itself
            time.sleep(0.001)
    assert len(set(idents)) == 1


def test_a_busy_thread_is_not_handed_new_work():
    threads = Threads()
    blocked, release, ran = threading.Event(), threading.Event(), threading.Event()
    threads.run(lambda: (blocked.set(), release.wait(5)))
    assert blocked.wait(5)
    threads.run(ran.set)  # the first thread is stuck, as an abandoned lookup would be
    assert ran.wait(5)
    release.set()


def test_call_blocking_returns_the_result_and_raises_the_failure():
    assert call_blocking(lambda: 42, timeout=5) == 42

    def fail() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        call_blocking(fail, timeout=5)


def test_a_call_past_its_deadline_is_abandoned_and_its_result_discarded():
    release = threading.Event()
    discarded: list[str] = []
    gone = threading.Event()

    def slow() -> str:
        release.wait(5)
        return "late"

    def discard(value: str) -> None:
        discarded.append(value)
        gone.set()

    start = time.monotonic()
    with pytest.raises(DeadlinePassed) as info:
        call_blocking(slow, timeout=0.2, discard=discard)
    assert 0.15 < time.monotonic() - start < 2
    assert info.value.timeout == 0.2
    release.set()
    assert gone.wait(5)
    assert discarded == ["late"]


def test_cancel_wakes_the_caller_at_once_without_polling():
    release = threading.Event()
    cancel = CancelToken()
    threading.Timer(0.1, cancel.cancel).start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        call_blocking(lambda: release.wait(5), cancel=cancel)
    cancelled_after = time.monotonic() - start
    release.set()
    assert cancelled_after < 1.0  # 0.1 s plus a thread switch; never a poll interval


def test_an_already_cancelled_call_never_runs():
    cancel = CancelToken()
    cancel.cancel()
    ran = threading.Event()
    with pytest.raises(Cancelled):
        call_blocking(ran.set, cancel=cancel)
    assert not ran.wait(0.1)


def test_a_call_that_finished_as_it_was_cancelled_keeps_its_result():
    cancel = CancelToken()

    def answer_then_cancel() -> int:
        cancel.cancel()  # the cancel lands after the result is already on its way
        return 7

    assert call_blocking(answer_then_cancel, cancel=cancel) == 7


def test_background_work_uses_the_shared_threads_only(monkeypatch):
    jobs: list[object] = []
    real_run = THREADS.run
    monkeypatch.setattr(THREADS, "run", lambda job: (jobs.append(job), real_run(job)))
    started = threading.active_count()
    for _ in range(3):
        call_blocking(lambda: None, timeout=5)
    assert len(jobs) == 3
    assert threading.active_count() <= started + 1  # reused, not one thread per call


def test_the_call_sees_the_callers_network_being_tried():
    """A `network.trying` block reaches the helper thread, as it would the caller's own (an
    Entra token fetched for Test connection goes through the proxy typed in the dialog)."""
    from chatdesk.service import network

    typed = network.network_for("http://proxy.contoso.test:8080")
    with network.trying(typed):
        seen = call_blocking(lambda: network.current().proxy, timeout=5)
    assert seen == "http://proxy.contoso.test:8080"
    assert call_blocking(lambda: network.current().proxy, timeout=5) is None  # block left
