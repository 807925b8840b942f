"""Screenshots of chatdesk's main states under a real X server, into docs/screenshots/.

    python docs/screenshots.py          # starts Xvfb + openbox itself (Debian: xvfb openbox)

The window talks to the loopback Azure server of the tests, so the replies are real streams.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"

LONG_REPLY = """## Reading a CSV file with pandas

`pandas.read_csv` does the work; a few options matter in practice:

| option | what it does |
|---|---|
| `sep` | the delimiter, `,` by default |
| `dtype` | column types, to avoid guessing |
| `parse_dates` | columns to read as dates |

```python
import pandas as pd

frame = pd.read_csv("sales.csv", parse_dates=["date"], dtype={"region": "category"})
monthly = frame.groupby(frame["date"].dt.to_period("M"))["amount"].sum()
print(monthly.tail())
```

1. Read the file once and keep the frame.
2. Group by month with `to_period("M")`.
3. Check the [documentation](https://pandas.pydata.org/docs/) for the other options.
"""


IMAGE_REPLY = """The chart compares **quarterly revenue** for four regions:

- **North** leads in every quarter and grows fastest.
- **West** dips in Q3, then recovers.
- **South** and **East** stay flat.
"""


def _chart_png(bars: tuple[int, ...] = (5, 8, 4, 9), size: tuple[int, int] = (1200, 800)) -> bytes:
    """A bar chart drawn with Pillow, as a screenshot someone would paste."""
    import io

    from PIL import Image, ImageDraw

    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    colors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2"]
    step = width // (len(bars) + 1)
    for i, value in enumerate(bars):
        left = step // 2 + i * step + step // 4
        top = height - 80 - value * (height - 160) // 10
        draw.rectangle([left, top, left + step // 2, height - 80], fill=colors[i % 4])
    draw.line([40, height - 80, width - 40, height - 80], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _data_url(data: bytes) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def start_x(display: str | None = None) -> list[subprocess.Popen[bytes]]:
    """Xvfb on `display` (default: $CHATDESK_SHOTS_DISPLAY or :97) and openbox, unless a
    DISPLAY is set already (also for docs/library_screenshots.py); the processes to end."""
    if os.environ.get("DISPLAY"):
        return []
    for tool in ("Xvfb", "openbox"):
        if shutil.which(tool) is None:
            sys.exit(f"screenshots: {tool} is missing (Debian: apt-get install xvfb openbox)")
    display = display or os.environ.get("CHATDESK_SHOTS_DISPLAY", ":97")
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x820x24", "-nolisten", "tcp"])
    os.environ["DISPLAY"] = display
    time.sleep(0.8)
    wm = subprocess.Popen(["openbox"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return [wm, xvfb]


def run_in_x(shoot: Callable[[], int], display: str | None = None) -> int:
    """Run `shoot` in a real X server, with a chatdesk home of its own (a temporary folder)."""
    procs = start_x(display)
    os.environ.pop("QT_QPA_PLATFORM", None)
    os.environ["CHATDESK_HOME"] = tempfile.mkdtemp(prefix="chatdesk-shots-")
    sys.path.insert(0, str(ROOT))
    try:
        return shoot()
    finally:
        for proc in procs:
            proc.terminate()


def main() -> int:
    return run_in_x(_shoot)


def demo_window(srv: Any, prices: Any = None) -> Any:
    """The window the screenshots show (this script's and screenshots_turns.py's): one key
    profile "Contoso (gpt-4o)" on the loopback server `srv` (its key "shots"), with `prices`
    for gpt-4o when given, shown at 1260×780 with a new conversation."""
    from chatdesk.core.profiles import ConnectionProfile
    from chatdesk.core.settings import Settings
    from chatdesk.service.chat import ChatService
    from chatdesk.service.connections import Connections
    from chatdesk.service.retry import RetryPolicy
    from chatdesk.service.secrets import MemorySecretStore, Secret
    from chatdesk.ui.context import AppContext
    from chatdesk.ui.main_window import MainWindow

    profile = ConnectionProfile("Contoso (gpt-4o)", "azure-v1", srv.url, "gpt-4o")
    if prices is not None:
        profile.prices = {"gpt-4o": prices}
    settings = Settings(profiles=[profile], active_profile=profile.name)
    store = MemorySecretStore()
    store.set(profile.name, Secret("shots"))
    connections = Connections(settings, secrets=store, env={})
    service = ChatService(connections.credentials, retry=RetryPolicy(attempts=1))
    window = MainWindow(AppContext(settings, connections, service))
    window.open_paths([])
    window.resize(1260, 780)
    window.move(10, 10)
    window.show()
    return window


def _shoot() -> int:
    from PySide6.QtWidgets import QApplication, QWidget

    from chatdesk.core.conversation import Conversation
    from chatdesk.core.messages import Message
    from chatdesk.core.pricing import Prices
    from chatdesk.core.tokens import TokenCounter
    from chatdesk.ui.app import make_app
    from tests.support.fake_azure import Fail, FakeAzure, Reply

    counter = TokenCounter("o200k_base")

    def count(messages: list[dict]) -> int:
        return counter.count_prompt([Message.from_raw(m) for m in messages])

    app = make_app()
    OUT.mkdir(parents=True, exist_ok=True)

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def shot(name: str, crop: QWidget | None = None) -> None:
        """The screen (or just `crop`'s frame, e.g. a small window or a dialog) as NAME.png."""
        pump(0.4)
        path = OUT / f"{name}.png"
        if shutil.which("import"):  # ImageMagick: what the X server shows, decorations included
            area = []
            if crop is not None:
                frame = crop.frameGeometry()
                area = ["-crop", f"{frame.width()}x{frame.height()}+{frame.x()}+{frame.y()}"]
            subprocess.run(["import", "-window", "root", *area, str(path)], check=True)
        else:
            (crop or window).grab().save(str(path))
        print(path)

    with FakeAzure(api_key="shots", prompt_counter=count) as srv:
        # Example prices ($ per 1M tokens: input, cached input, output), so costs show.
        window = demo_window(srv, Prices(Decimal("2.50"), Decimal("1.25"), Decimal("10")))
        pump(1.5)
        shot("empty")

        srv.enqueue(Reply(text=LONG_REPLY, chunk_size=6, delay=0.03))
        window.composer.set_text("How do I read a CSV file and sum sales per month?")
        window.composer.input.submit.emit()
        pump(1.2)
        shot("streaming")
        while window.session.busy:
            pump(0.1)
        window.composer.set_text("And how would I plot it?")
        shot("markdown-reply")

        srv.enqueue(Fail.deployment_not_found())
        window.composer.input.submit.emit()
        while window.session.busy:
            pump(0.1)
        shot("error")

        params, trimming = window.params_panel.values()
        usual = window.params_panel.values()  # put back after this scene
        trimming.limit = 460
        params.max_tokens = 150
        window.params_panel.set_values(params, trimming)
        window.params_panel.changed.emit()
        window.composer.set_text("Summarise everything above in one paragraph, please. " * 3)
        window.side.setCurrentIndex(2)
        shot("meter-near-limit")
        window.params_panel.set_values(*usual)
        window.params_panel.changed.emit()

        # A conversation with an image: a screenshot sent, the reply, and one more attached.
        window.side.setCurrentIndex(0)
        chart = _chart_png()
        conv = Conversation(system_prompt="You are a helpful assistant.", model="gpt-4o")
        conv.append(Message.new("user", "What does this chart show?").with_images([
            {"type": "image_url", "image_url": {"url": _data_url(chart), "detail": "high"}}
        ]))  # fmt: skip
        conv.append(Message.new("assistant", IMAGE_REPLY))
        window.open_session(conv)
        pump(0.5)
        photo = Path(os.environ["CHATDESK_HOME"]) / "whiteboard.png"
        photo.write_bytes(_chart_png(bars=(3, 6, 2, 7), size=(1600, 1000)))
        window.attach_flow.attach_files([str(photo)])
        window.composer.set_text("And this one, from the whiteboard?")
        pump(2.0)
        window.transcript.scrollToTop()
        window.notice.setText("")  # the error scene's line
        shot("images")
        _shoot_preferences(window, pump, shot)
        window.close()
        QApplication.processEvents()
    return 0


def _shoot_preferences(window: Any, pump: Any, shot: Any) -> None:
    """Issue 15's views: selected text, dark, 800×600, and the Preferences dialog, on the
    first conversation as a user would see it: its failed question (the error scene's)
    deleted, so no error is left in it or in the status bar."""
    from PySide6.QtWidgets import QApplication

    window.activate(window.sessions[0])
    session = window.session
    failed = [i for i, m in enumerate(session.conversation) if m.meta.error]
    for index in reversed(failed):
        session.delete(index)
    session.clear_status()
    window.activate(window.sessions[1])  # shown again: its own state, status included
    window.activate(window.sessions[0])
    window.composer.set_text("")
    view = window.transcript
    index = view.model().index(1, 0)
    view.scrollTo(index)
    pump(0.3)
    body = view.delegate.layout(view.visualRect(index), index).doc
    view.text_selection.select(1, (0, 0), (min(2, body.piece_count() - 1), 40))
    shot("light")
    settings = window.context.settings
    settings.theme = "dark"
    window.prefs.apply()
    pump(0.5)
    shot("dark")
    view.text_selection.clear()
    window.resize(800, 600)
    pump(0.6)
    shot("small-window", window)
    settings.theme = "system"
    window.prefs.apply()
    window.resize(1260, 780)
    dialog = window.prefs.open_dialog()
    dialog.move(window.x() + 300, window.y() + 80)
    pump(0.5)
    shot("preferences", dialog)
    dialog.reject()
    QApplication.processEvents()


if __name__ == "__main__":
    sys.exit(main())
