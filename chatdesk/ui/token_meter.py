"""A live token budget under the composer: what the next request uses of the context window.

`show_plan` runs on every keystroke, so the bar and its texts are one painted widget of a fixed
height: a new plan changes a few strings and schedules a repaint, and never asks the layout to
recompute (a QLabel's setText would, each time its text width changes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatdesk.ui.palette import status_color
from chatdesk.ui.qt.core import QPointF, QRectF, QSize, Qt, Signal
from chatdesk.ui.qt.gui import (
    QBrush,
    QColor,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
)
from chatdesk.ui.qt.widgets import QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from chatdesk.core.trimming import TrimPlan


WARN_RATIO = 0.85
_BAR_HEIGHT = 8
_GAP = 3


def _elided(metrics: QFontMetrics, text: str, width: int) -> str:
    """`text` cut with an ellipsis to fit `width`. Text that fits is returned as it is, which
    also keeps the first paint ("Counting…") from building the Qt namespace (chatdesk/ui/qt)."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


def _hatched(color: QColor) -> QBrush:
    return QBrush(color, Qt.BrushStyle.BDiagPattern)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved a fraction `t` towards `b`."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


class _MeterView(QWidget):
    """The painted part: the segmented bar, a summary line, a note line and, with prices set,
    a cost line. Each text has a shorter form used when the full one does not fit (the whole
    of every text is in the tooltip); only what fits neither is cut with "…" (`clipped`)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.state = "counting"
        # pinned, history, draft, reserved; scaled against max(limit, total)
        self.segments: tuple[int, int, int, int] = (0, 0, 0, 0)
        self.limit = 0
        self.summary = "Counting…"
        self.summary_short = ""  # the summary without its words: "16 + 4,096 / 128,000"
        self.usage = ""
        self.note = ""
        self.note_short = ""
        self.cost = ""  # the cost line, under the others; "" without prices

    def set_cost(self, text: str) -> None:
        if bool(text) != bool(self.cost):  # a line more or less: the only height change
            self.cost = text
            self.updateGeometry()
        self.cost = text

    def sizeHint(self) -> QSize:
        return QSize(360, self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self._height())

    def _height(self) -> int:
        lines = 3 if self.cost else 2
        return _BAR_HEIGHT + 2 * _GAP + lines * self.fontMetrics().lineSpacing()

    def texts(self) -> list[tuple[str, str, int, bool, str]]:
        """What the lines show at the current width: (drawn text, whole text, line, at the
        right end, role), role one of summary, usage, note, cost."""
        metrics = self.fontMetrics()
        width = self.width()
        gap = 2 * metrics.averageCharWidth()

        def fit(room: int, *forms: str) -> str:
            for form in forms:
                if form and metrics.horizontalAdvance(form) <= room:
                    return form
            return _elided(metrics, forms[-1] or forms[0], room) if room > 0 else ""

        out = [(fit(width, self.summary, self.summary_short), self.summary, 0, False, "summary")]
        usage_w = metrics.horizontalAdvance(self.usage) + gap if self.usage else 0
        if not self.cost:
            # The note left and the usage check right on the second line; an error keeps
            # the whole line (the usage check is still in the tooltip).
            room = width
            if self.usage and self.state != "error":
                out.append((fit(width, self.usage), self.usage, 1, True, "usage"))
                room = width - usage_w
            if self.note:
                out.append((fit(room, self.note, self.note_short), self.note, 1, False, "note"))
            return out
        # With prices: the cost on the second line, the note on the third, the usage check at
        # the right of the second if it fits there, else of the third.
        usage_row = 1 if metrics.horizontalAdvance(self.cost) + usage_w <= width else 2
        if self.usage:
            out.append((fit(width, self.usage), self.usage, usage_row, True, "usage"))
        cost_room = width - (usage_w if usage_row == 1 else 0)
        out.append((fit(cost_room, self.cost), self.cost, 1, False, "cost"))
        if self.note:
            room = width - (usage_w if usage_row == 2 else 0)
            out.append((fit(room, self.note, self.note_short), self.note, 2, False, "note"))
        return out

    def clipped(self) -> list[str]:
        """The texts cut with "…" at the current width (whole ones; [] when all fit)."""
        return [whole for drawn, whole, *_ in self.texts() if drawn.endswith("…") and
                not whole.endswith("…")]  # fmt: skip

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        width = self.width()
        bar = QRectF(0.5, 0.5, width - 1.0, _BAR_HEIGHT)
        shape = QPainterPath()
        shape.addRoundedRect(bar, 3, 3)

        # The track: the palette's Mid, faint. Filled with the palette's own brush, no pen and
        # no colour of ours: the first frame ("Counting…") then paints without the Qt
        # namespace (see chatdesk/ui/qt), since building a QBrush or QPen from a colour needs it.
        painter.setOpacity(0.35)
        painter.fillPath(shape, pal.brush(QPalette.ColorRole.Mid))
        painter.setOpacity(1.0)

        total = sum(self.segments)
        scale = max(self.limit, total)
        if scale > 0 and self.state != "counting":
            accent = pal.color(QPalette.ColorRole.Highlight)
            if self.state == "warning":
                accent = status_color("warning", pal)
            elif self.state == "error":
                accent = status_color("error", pal)
            base = pal.color(QPalette.ColorRole.Base)
            fills = (
                QBrush(_mix(accent, text, 0.35)),  # pinned: system and examples
                QBrush(accent),  # history sent
                QBrush(_mix(accent, base, 0.45)),  # the draft
                _hatched(_mix(text, base, 0.45)),  # reserved reply
            )
            painter.save()
            painter.setClipPath(shape)
            x = bar.left()
            for value, brush in zip(self.segments, fills, strict=True):
                w = bar.width() * value / scale
                if w > 0:
                    painter.fillRect(QRectF(x, bar.top(), w, bar.height()), brush)
                    x += w
            painter.restore()
            if total > self.limit > 0:  # over: mark where the limit is
                at = bar.left() + bar.width() * self.limit / scale
                painter.setPen(text)
                painter.drawLine(int(at), 0, int(at), _BAR_HEIGHT + 1)

        metrics = self.fontMetrics()
        line = metrics.lineSpacing()
        top = _BAR_HEIGHT + _GAP + metrics.ascent()
        error = status_color("error", pal)
        # Secondary text: between text and window, so it reads in light and dark themes alike.
        quiet = _mix(text, pal.color(QPalette.ColorRole.Window), 0.4)
        for drawn, _whole, row, right, role in self.texts():
            if role == "summary":
                # Otherwise the painter's pen is already the widget's text colour.
                if self.state == "error":
                    painter.setPen(error)
            elif role == "note" and self.state == "error":
                painter.setPen(error)
            else:
                painter.setPen(quiet)
            x = width - metrics.horizontalAdvance(drawn) if right else 0
            painter.drawText(QPointF(x, top + row * line), drawn)


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
        # By keyword, not to build QIcon before the first paint (see chatdesk/ui/qt).
        self.preview_button = QPushButton(text="What will be sent", parent=self)
        self.preview_button.setAccessibleName("What will be sent")
        self.preview_button.setToolTip(
            "Show the exact messages of the next request, with their token counts"
        )
        self.preview_button.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        button_column = QVBoxLayout()  # the button at the top, however tall the meter
        button_column.addWidget(self.preview_button)
        button_column.addStretch(1)
        layout.addLayout(button_column)
        self.preview_button.clicked.connect(self.previewRequested)
        self._plan: TrimPlan | None = None
        self._usage_tip = ""
        self._cost_tip = ""
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

    @property
    def cost_text(self) -> str:
        return self.view.cost

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
            view.summary_short = view.note_short = ""
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
            view.summary_short = (
                f"{approx}{plan.prompt_tokens:,} + {plan.reserve:,} / {plan.limit:,}"
            )
            dropped = len(plan.dropped)
            left_out = ""
            if dropped:
                s = "" if dropped == 1 else "s"
                left_out = f"{dropped:,} older message{s} left out"
            view.note = plan.error or left_out
            view.note_short = "" if plan.error else f"{dropped:,} left out"
            share = plan.total / plan.limit if plan.limit else 0.0
            self._breakdown = (
                f"{approx}{plan.prompt_tokens:,} prompt tokens plus {plan.reserve:,} reserved "
                f"for the reply, of a {plan.limit:,}-token limit ({share:.0%}). "
                f"System and examples {pinned:,}, history {plan.history_tokens:,} "
                f"({len(plan.sent):,} messages), draft {plan.draft_tokens:,}."
                + (f" {left_out}." if left_out else "")
                + (f" Counts are estimates: {plan.estimate_why}." if plan.estimate else "")
            )
        enabled = plan is not None
        if self.preview_button.isEnabled() != enabled:
            self.preview_button.setEnabled(enabled)
        self._describe()
        view.update()

    def show_usage_check(
        self, estimated: int, actual: int | None, service_kept: bool = False
    ) -> None:
        """Compare the meter's estimate of a request with the API's usage.prompt_tokens
        (`input_tokens` from the Responses API). `service_kept`: the service keeps the history
        and counted its whole stored chain, so both counts are shown side by side."""
        if actual is None:
            text, self._usage_tip = "", ""
        elif service_kept:
            text = f"service counted {actual:,} · chatdesk {estimated:,}"
            self._usage_tip = (
                f"The service keeps this conversation's history and counted {actual:,} input "
                f"tokens for the last request (its stored history, after its own truncation); "
                f"chatdesk counts {estimated:,} prompt tokens for the conversation as it would "
                "send it."
            )
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

    def show_cost(self, text: str, tip: str) -> None:
        """The next request's estimated cost and the conversation's ("" hides it)."""
        self.view.set_cost(text)
        self._cost_tip = tip
        self._describe()
        self.view.update()

    def _describe(self) -> None:
        plan = self._plan
        parts = [self._breakdown, self._usage_tip, self._cost_tip]
        if plan is not None and plan.error:
            parts.insert(0, plan.error)
        text = " ".join(p for p in parts if p)
        self.setAccessibleDescription(text)
        # The error comes first in the tooltip: it says what to do.
        tip = "\n\n".join(p for p in parts if p)
        self.view.setToolTip(tip)
