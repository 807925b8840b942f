"""library_search, library_index_update and library_startup: the conversation library at scale.

The big library is 10,000 conversations of 100 messages (1,000,000 messages, ~12 words each
from a 20,000-word vocabulary, Zipf-weighted: about 150 of the most used English words first, so
"th", "co", "de" start as many words as in real chats, then made-up ones), the small one 100
such conversations. Both are generated once and cached in the system's temp folder
(`chatdesk-bench-library-v<FIXTURE_VERSION>-<n>x<m>`, a home folder with `data/library` and
`data/library-index.sqlite3`): the files are written directly and indexed through
`LibraryIndex.put` (what the window's saver calls), so a later run, `--quick` in CI included,
starts from the cache.

library_search: what the user waits for after typing one word in the sidebar's search box, over
the big library vs the small one: from the search starting (after the typing pause) to the
results shown (the jobs' search thread, the hits in the sidebar's model, the rows painted), for
24 words of every frequency and the 8 starts of common words a user types first ("t", "th",
"the", "co", …: `PREFIXES`, which FTS5 answers from its prefix index) (3 runs each,
interleaved), median in ms too, and those starts' own median and worst (`prefix_big_ms`,
`prefix_worst_big_ms`). `query_ratio` is the index's own share (`LibraryIndex.search_page`,
the first page), measured the same way.

library_index_update: the GUI-thread time of writing and indexing one finished reply of a
100-message library conversation (`LibrarySaver.save_soon`, which takes the snapshot and
starts the job, plus the event-loop turns that handle its result: the sidebar's row, the
window's title, the session memory), in ms, with the big library's 10,000 conversations in
the sidebar; the write and the index update themselves run on the thread pool. Absolute
target: median <= 1 ms.

library_startup: `python -m chatdesk` to the first painted window with the big library in its
home vs an empty one (the same launch and hook as startup_ratio): the library is listed after
the first paint, so the ratio shows what reaching for it costs the start.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import (
    ROOT,
    app_context,
    close_window,
    fake_server,
    gc_paused,
    history,
    log,
    make_window,
    ms,
    pump,
    qt_app,
    ratio_result,
    wait_until,
)

FIXTURE_VERSION = 5  # follows the index SCHEMA: code of another schema would make it anew
BIG = (10_000, 100)
SMALL = (100, 100)
# What a user types first: the starts of the most common words (each a prefix query over
# hundreds of thousands of rows), as the library's search answers them while typing.
PREFIXES = ("t", "th", "the", "a", "co", "de", "wh", "con")
# The most used English words (Fry's list, then words common in chats about code), most used
# first: the head of the vocabulary, so the common starts are where they are in real text.
ENGLISH = """the of and to a in is you that it he was for on are as with his they i at be this have
from or one had by word but not what all were we when your can said there use an each which she
do how their if will up other about out many then them these so some her would make like him into
time has look two more write go see number no way could people my than first water been call who
its now find long down day did get come made may part code data file function error should
think thanks example value default test question thing those through could class list return
string change content config connection request response model output input table query server
type need using because also just want here work does different new set run line name key
""".split()  # noqa: SIM905 (a list literal would be 150 lines)


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    made = {"".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(20_500)}
    head = list(dict.fromkeys(ENGLISH))
    return (head + sorted(made - set(head)))[:20_000]


def fixture(conversations: int, messages: int) -> Path:
    """The home folder of a generated library of this size (made once, then cached)."""
    name = f"chatdesk-bench-library-v{FIXTURE_VERSION}-{conversations}x{messages}"
    home = Path(tempfile.gettempdir()) / name
    if (home / "ready").exists():
        return home
    started = time.monotonic()
    # Made in place: the index records its library's folder, and a renamed one is a new library.
    shutil.rmtree(home, ignore_errors=True)
    _generate(home, conversations, messages)
    log(f"library fixture {conversations}x{messages}: {time.monotonic() - started:.1f} s")
    return home


def _generate(home: Path, conversations: int, messages: int) -> None:
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.library import Library
    from chatdesk.core.library_index import LibraryIndex

    rng = random.Random(14)
    words = _vocabulary(rng)
    # Zipf-like: a few words are everywhere, most are rare, as in real text.
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    pool = []
    for n in range(4_000):
        role = "user" if n % 2 == 0 else "assistant"
        text = " ".join(rng.choices(words, weights, k=12))
        pool.append({"role": role, "content": text})
    encoded = [json.dumps(item) for item in pool]
    library = Library(home / "data" / "library")
    library.folder.mkdir(parents=True)
    index = LibraryIndex(library, home / "data" / "library-index.sqlite3")
    now = time.time()
    for c in range(conversations):
        picks = [rng.randrange(0, 2_000) * 2 + (m % 2) for m in range(messages)]
        when = now - (conversations - c) * 3_000.0
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime(when))
        id = f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime(when))}-{c:06x}"
        head = (
            '{"format": "chatdesk.conversation", "version": 2, '
            f'"title": "Conversation {c}", "created_at": "{stamp}", "messages": ['
        )
        path = library.path(id)
        path.write_text(head + ", ".join(encoded[p] for p in picks) + "]}\n")
        conv = Conversation(history=[dict(pool[p]) for p in picks], title=f"Conversation {c}")
        conv.created_at = stamp
        info = path.stat()
        index.put(id, conv, info.st_mtime_ns, info.st_size)
        if c % 1000 == 999:
            log(f"library fixture: {c + 1:,} of {conversations:,} conversations")
    index.close()
    (home / "ready").write_text("")


def _query_words(home: Path, count: int = 24) -> list[str]:
    """Words of every frequency: taken from the small library's messages, spread by rank."""
    from chatdesk.core.library import Library

    library = Library(home / "data" / "library")
    seen: dict[str, int] = {}
    for file in sorted(library.files(), key=lambda f: f.id)[:20]:
        for item in json.loads(file.path.read_text())["messages"]:
            for word in item["content"].split():
                seen[word] = seen.get(word, 0) + 1
    ranked = sorted(seen, key=lambda w: (-seen[w], w))
    step = max(1, len(ranked) // count)
    return ranked[::step][:count]


def search(quick: bool) -> dict:
    from PySide6.QtCore import QEventLoop

    from chatdesk.core.library import Library
    from chatdesk.core.library_index import LibraryIndex
    from chatdesk.ui.library_jobs import LibraryJobs
    from chatdesk.ui.library_sidebar import LibrarySidebar

    app = qt_app()
    homes = {"big": fixture(*BIG), "small": fixture(*SMALL)}
    sidebars: dict[str, LibrarySidebar] = {}
    shown: list[str] = []
    for label, home in homes.items():
        library = Library(home / "data" / "library")
        index = LibraryIndex(library, home / "data" / "library-index.sqlite3")
        sidebar = sidebars[label] = LibrarySidebar()
        sidebar.resize(320, 800)
        sidebar.show()
        sidebar.set_jobs(LibraryJobs(library, index, sidebar))  # lists, and checks the files
        # After the sidebar's own `show_hits`: the results are in its model when this runs.
        sidebar.jobs.searched.connect(lambda query, _hits: shown.append(query))  # type: ignore
    wait_until(app, lambda: all(s.library_model.rowCount() for s in sidebars.values()), 60)
    pump(app, 3.0)  # the refresh (one scandir of 10,000 files) done: nothing runs beside
    words = _query_words(homes["small"], 12 if quick else 24) + list(PREFIXES)

    def typed(label: str, word: str) -> float:
        """From the search starting to its rows painted, in seconds."""
        sidebar = sidebars[label]
        shown.clear()
        sidebar.search.blockSignals(True)  # the debounce timer is the user's pause, not cost
        sidebar.search.setText(word)
        sidebar.search.blockSignals(False)
        with gc_paused():
            start = time.perf_counter()
            sidebar.run_search()
            while not shown:
                app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            sidebar.list.viewport().repaint()
            return time.perf_counter() - start

    for label in sidebars:  # warm the page cache, untimed
        for word in words:
            typed(label, word)
    times: dict[str, list[float]] = {"big": [], "small": []}
    query_times: dict[str, list[float]] = {"big": [], "small": []}
    hits: dict[str, int] = {"big": 0, "small": 0}
    for round_ in range(3):
        for word in words:
            order = ("big", "small") if round_ % 2 == 0 else ("small", "big")
            for label in order:
                times[label].append(typed(label, word))
                hits[label] += sidebars[label].search_model.rowCount()
                index = sidebars[label].jobs.index  # type: ignore[union-attr]
                with gc_paused():
                    start = time.perf_counter()
                    index.search_page(word)
                    query_times[label].append(time.perf_counter() - start)
    for sidebar in sidebars.values():
        assert sidebar.jobs is not None
        sidebar.jobs.wait()
        sidebar.jobs.index.close()
        sidebar.close()
    if not hits["big"] or not hits["small"]:
        raise RuntimeError(f"the searches found nothing ({hits}): the fixture's index is empty")
    first_prefix = len(words) - len(PREFIXES)  # the prefixes end each round's words
    prefix_times = [t for n, t in enumerate(times["big"]) if n % len(words) >= first_prefix]
    query = ratio_result("big", query_times["big"], "small", query_times["small"], "", 3.0)
    return ratio_result(
        "big", times["big"], "small", times["small"], "<= 3 (aim: big < 50 ms)", 3.0,
        conversations={"big": BIG[0], "small": SMALL[0]},
        messages={"big": BIG[0] * BIG[1], "small": SMALL[0] * SMALL[1]},
        words=len(words), rows_shown=hits,
        p95_big_ms=ms(sorted(times["big"])[int(len(times["big"]) * 0.95)]),
        prefix_big_ms=ms(statistics.median(prefix_times)),
        prefix_worst_big_ms=ms(max(prefix_times)),
        query_ratio=query["ratio"], query_big_ms=query["big_ms"],
        query_small_ms=query["small_ms"],
    )  # fmt: skip


def index_update(quick: bool) -> dict:
    """GUI-thread time of one finished reply's write and index update, through the saver."""
    from chatdesk.core.conversation import Conversation
    from chatdesk.core.library import Library
    from chatdesk.core.library_index import LibraryIndex
    from chatdesk.core.messages import Message

    app = qt_app()
    runs = 25 if quick else 101
    spent_all: list[float] = []
    big = fixture(*BIG)
    big_index = LibraryIndex(
        Library(big / "data" / "library"), big / "data" / "library-index.sqlite3"
    )
    shown = big_index.entries()  # read only: the fixture stays as it was made
    big_index.close()
    with fake_server() as server:
        window = make_window(app_context(server))
        saver = window.library_saver  # the window's own, on the benchmark's library
        wait_until(app, lambda: window.sidebar.jobs is not None)
        pump(app, 1.5)  # its own (small) library listed and refreshed; then 10,000 rows shown
        window.sidebar.show_entries(shown, [])
        conv = Conversation(system_prompt="You are a helpful assistant.")
        for m in history(100, seed=3):
            conv.append(m)
        session = window.open_session(conv)
        assert saver.tracked(session)
        wait_until(app, lambda: saver.wait(0) and not saver.writing, 30)
        saver.flush(session)
        for i in range(runs):
            session.conversation.append(Message("user", f"question {i}"))
            session.conversation.append(Message("assistant", f"the finished reply {i} " * 40))
            session.set_modified()
            pump(app)
            with gc_paused():
                start = time.perf_counter()
                saver.save_soon(session)
                spent = time.perf_counter() - start
                while saver.writing:
                    time.sleep(0.0005)
                    if saver.wait(0):
                        turn = time.perf_counter()
                        app.processEvents()  # delivers the result: GUI time again
                        spent += time.perf_counter() - turn
            spent_all.append(spent)
        wait_until(app, lambda: not session.modified, 10)
        found = saver.index.search(f"reply {runs - 1}", 5)
        rows = window.sidebar.library_model.rowCount()
        session.set_modified(False)
        close_window(window)
    median = statistics.median(spent_all)
    return {
        "median_ms": ms(median), "p95_ms": ms(sorted(spent_all)[int(len(spent_all) * 0.95)]),
        "target": "median <= 1 ms", "met": median <= 0.001, "runs": runs,
        "indexed": bool(found), "sidebar_rows": rows,
    }  # fmt: skip


def startup(quick: bool) -> dict:
    from bench_startup import MARK, _home_with_profile, launcher_argv

    big = fixture(*BIG)
    runs = 5 if quick else 15
    empty_home = _home_with_profile()
    big_home = _home_with_profile()
    shutil.rmtree(Path(big_home) / "data", ignore_errors=True)
    (Path(big_home) / "data").symlink_to(big / "data")  # the library and its index, as made
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CHATDESK_EXIT_AFTER_FIRST_PAINT="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    pycache = tempfile.mkdtemp(prefix="pycache-", dir=os.environ["CHATDESK_HOME"])
    env["PYTHONPYCACHEPREFIX"] = pycache
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    argv = launcher_argv(pycache)

    def launch(home: str) -> float:
        start = time.monotonic()
        proc = subprocess.run(argv, env={**env, "CHATDESK_HOME": home}, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        for line in proc.stdout.splitlines():
            if line.startswith(MARK):
                return float(line.split()[1]) - start
        raise RuntimeError(f"no first paint (exit {proc.returncode}): {proc.stderr[-2000:]}")

    launch(empty_home)
    launch(big_home)
    times: dict[str, list[float]] = {"big": [], "empty": []}
    for i in range(runs):
        for label in ("big", "empty") if i % 2 == 0 else ("empty", "big"):
            times[label].append(launch(big_home if label == "big" else empty_home))
        log(f"library_startup {i + 1}/{runs}: big {times['big'][-1] * 1000:.0f} ms, "
            f"empty {times['empty'][-1] * 1000:.0f} ms")  # fmt: skip
    return ratio_result(
        "big", times["big"], "empty", times["empty"], "<= 1.15", 1.15,
        conversations=BIG[0], messages=BIG[0] * BIG[1],
    )  # fmt: skip
