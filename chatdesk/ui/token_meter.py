"""A live token budget under the composer: what the next request uses of the context window.

`show_plan` runs on every keystroke, so the bar and its texts are one painted widget of a fixed
height: a new plan changes a few strings and schedules a repaint, and never asks the layout to
recompute (a QLabel's setText would, each time its text width changes).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

from chatdesk.core.trimming import TrimPlan

WARN_RATIO = 0.85
_BAR_HEIGHT = 8
_GAP = 3
_WARNING_HUE = 0.11  # amber
_ERROR_HUE = 0.0  # red


def _tone(hue: float, palette: QPalette) -> QColor:
    """A status colour of `hue` that reads on this palette's window (light or dark)."""
    dark = palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5
    return QColor.fromHslF(hue, 0.8, 0.62 if dark else 0.4)


def status_color(state: str, palette: QPalette) -> QColor:
    """The colour of "warning" or "error" text on `palette`; its text colour otherwise."""
    if state == "warning":
        return _tone(_WARNING_HUE, palette)
    if state == "error":
        return _tone(_ERROR_HUE, palette)
    return palette.color(QPalette.ColorRole.WindowText)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved a fraction `t` towards `b`."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


class _MeterView(QWidget):
    """The painted part: the segmented bar, a summary line and a note line."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.state = "counting"
        # pinned, history, draft, reserved; scaled against max(limit, total)
        self.segments: tuple[int, int, int, int] = (0, 0, 0, 0)
        self.limit = 0
        self.summary = "Counting…"
        self.usage = ""
        self.note = ""

    def sizeHint(self) -> QSize:
        return QSize(360, self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self._height())

    def _height(self) -> int:
        return _BAR_HEIGHT + 2 * _GAP + 2 * self.fontMetrics().lineSpacing()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        width = self.width()
        bar = QRectF(0.5, 0.5, width - 1.0, _BAR_HEIGHT)

        painter.setPen(Qt.PenStyle.NoPen)
        track = QColor(pal.color(QPalette.ColorRole.Mid))
        track.setAlphaF(0.35)
        painter.setBrush(track)
        painter.drawRoundedRect(bar, 3, 3)

        total = sum(self.segments)
        scale = max(self.limit, total)
        if scale > 0 and self.state != "counting":
            accent = pal.color(QPalette.ColorRole.Highlight)
            if self.state == "warning":
                accent = _tone(_WARNING_HUE, pal)
            elif self.state == "error":
                accent = _tone(_ERROR_HUE, pal)
            base = pal.color(QPalette.ColorRole.Base)
            fills = (
                QBrush(_mix(accent, text, 0.35)),  # pinned: system and examples
                QBrush(accent),  # history sent
                QBrush(_mix(accent, base, 0.45)),  # the draft
                QBrush(_mix(text, base, 0.45), Qt.BrushStyle.BDiagPattern),  # reserved reply
            )
            painter.save()
            shape = QPainterPath()
            shape.addRoundedRect(bar, 3, 3)
            painter.setClipPath(shape)
            x = bar.left()
            for value, brush in zip(self.segments, fills, strict=True):
                w = bar.width() * value / scale
                if w > 0:
                    painter.setBrush(brush)
                    painter.drawRect(QRectF(x, bar.top(), w, bar.height()))
                    x += w
            painter.restore()
            if total > self.limit > 0:  # over: mark where the limit is
                at = bar.left() + bar.width() * self.limit / scale
                painter.setPen(text)
                painter.drawLine(int(at), 0, int(at), _BAR_HEIGHT + 1)

        metrics = self.fontMetrics()
        line = metrics.lineSpacing()
        top = _BAR_HEIGHT + _GAP
        error = _tone(_ERROR_HUE, pal)
        # Secondary text: between text and window, so it reads in light and dark themes alike.
        quiet = _mix(text, pal.color(QPalette.ColorRole.Window), 0.4)
        painter.setPen(error if self.state == "error" else text)
        summary = metrics.elidedText(self.summary, Qt.TextElideMode.ElideRight, width)
        painter.drawText(0, top, width, line, Qt.AlignmentFlag.AlignLeft, summary)
        # Second line: the note on the left, the usage check on the right. An error keeps the
        # whole line (the usage check is still in the tooltip).
        room = width
        if self.usage and self.state != "error":
            usage = metrics.elidedText(self.usage, Qt.TextElideMode.ElideRight, width)
            painter.setPen(quiet)
            painter.drawText(0, top + line, width, line, Qt.AlignmentFlag.AlignRight, usage)
            room = width - metrics.horizontalAdvance(usage) - 2 * metrics.averageCharWidth()
        if self.note and room > 0:
            painter.setPen(error if self.state == "error" else quiet)
            note = metrics.elidedText(self.note, Qt.TextElideMode.ElideRight, room)
            painter.drawText(0, top + line, room, line, Qt.AlignmentFlag.AlignLeft, note)


class TokenMeter(QWidget):
    """The next request's token budget against the limit, updated on every keystroke.

    Signals: previewRequested() when the user asks to see the messages that will be sent.
    """

    previewRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Token budget")
        self.view = _MeterView(self)
        self.view.setAccessibleName("Token budget bar")
        self.preview_button = QPushButton("What will be sent", self)
        self.preview_button.setAccessibleName("What will be sent")
        self.preview_button.setToolTip(
            "Show the exact messages of the next request, with their token counts"
        )
        self.preview_button.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.preview_button, 0, Qt.AlignmentFlag.AlignTop)
        self.preview_button.clicked.connect(self.previewRequested)
        self._plan: TrimPlan | None = None
        self._usage_tip = ""
        self._breakdown = ""
        self.show_plan(None)

    # -- what tests and the window read ------------------------------------------------------
    @property
    def state(self) -> str:
        """ "counting", "normal", "warning" (≥ 85 % of the limit) or "error" (does not fit)."""
        return self.view.state

    @property
    def summary(self) -> str:
        return self.view.summary

    @property
    def note(self) -> str:
        """The error, or how many older messages are left out."""
        return self.view.note

    @property
    def usage_text(self) -> str:
        return self.view.usage

    # -- updates -----------------------------------------------------------------------------
    def show_plan(self, plan: TrimPlan | None) -> None:
        """Show a plan (None: still counting). Only strings change; one repaint is scheduled."""
        if plan == self._plan and plan is not None:
            return
        self._plan = plan
        view = self.view
        if plan is None:
            view.state, view.segments, view.limit = "counting", (0, 0, 0, 0), 0
            view.summary, view.note = "Counting…", ""
            self._breakdown = "Counting tokens while the tokenizer loads."
        else:
            pinned = plan.prompt_tokens - plan.history_tokens - plan.draft_tokens
            view.segments = (pinned, plan.history_tokens, plan.draft_tokens, plan.reserve)
            view.limit = plan.limit
            if not plan.fits:
                view.state = "error"
            elif plan.limit and plan.total >= WARN_RATIO * plan.limit:
                view.state = "warning"
            else:
                view.state = "normal"
            approx = "≈" if plan.estimate else ""
            view.summary = (
                f"{approx}{plan.prompt_tokens:,} + {plan.reserve:,} reserved / "
                f"{plan.limit:,} tokens" + (" (estimate)" if plan.estimate else "")
            )
            dropped = len(plan.dropped)
            left_out = ""
            if dropped:
                s = "" if dropped == 1 else "s"
                left_out = f"{dropped:,} older message{s} left out"
            view.note = plan.error or left_out
            share = plan.total / plan.limit if plan.limit else 0.0
            self._breakdown = (
                f"{approx}{plan.prompt_tokens:,} prompt tokens plus {plan.reserve:,} reserved "
                f"for the reply, of a {plan.limit:,}-token limit ({share:.0%}). "
                f"System and examples {pinned:,}, history {plan.history_tokens:,} "
                f"({len(plan.sent):,} messages), draft {plan.draft_tokens:,}."
                + (f" {left_out}." if left_out else "")
                + (" Counts are estimates: the model is not known." if plan.estimate else "")
            )
        enabled = plan is not None
        if self.preview_button.isEnabled() != enabled:
            self.preview_button.setEnabled(enabled)
        self._describe()
        view.update()

    def show_usage_check(self, estimated: int, actual: int | None) -> None:
        """Compare the meter's estimate of a request with the API's usage.prompt_tokens."""
        if actual is None:
            text, self._usage_tip = "", ""
        elif actual == estimated:
            text = "matches the API"
            self._usage_tip = f"The API counted {actual:,} prompt tokens, as estimated."
        else:
            text = f"API counted {actual:,} ({actual - estimated:+,})"
            self._usage_tip = (
                f"chatdesk estimated {estimated:,} prompt tokens for the last request; the API "
                f"counted {actual:,}."
            )
        self.view.usage = text
        self._describe()
        self.view.update()

    def _describe(self) -> None:
        plan = self._plan
        parts = [self._breakdown, self._usage_tip]
        if plan is not None and plan.error:
            parts.insert(0, plan.error)
        text = " ".join(p for p in parts if p)
        self.setAccessibleDescription(text)
        # The error comes first in the tooltip: it says what to do.
        tip = "\n\n".join(p for p in parts if p)
        self.view.setToolTip(tip)
