"""The side panels give way to the transcript when the window is small (800×600, 200 % scaling).

The splitter holds [conversations | transcript | prompt and parameters]. When the window is
resized and the transcript would get less than `CENTRE_MIN` pixels, the side panels narrow to
their `NARROW` widths, then the right panel collapses, then the left one; a panel collapsed this
way comes back when the window is wide enough again. A panel narrowed by a smaller window (here
or by the splitter's own sharing out) widens again, as far as the room allows, to the width the
user last dragged it to, or to its `WIDE` width. A panel the user collapsed or resized by dragging
is left as the user set it, unless the transcript would be squeezed below its minimum.
Sizes are in device-independent pixels, so 200 % scaling needs twice the screen pixels.
"""

from __future__ import annotations

from chatdesk.ui.qt.core import QEvent, QObject, QTimer, Signal
from chatdesk.ui.qt.widgets import QSplitter

CENTRE_MIN = 420  # the transcript's narrowest comfortable width
NARROW = (150, 240)  # the left and right panels at their narrowest before they collapse
WIDE = (190, 300)  # what a panel collapsed here gets back, at least, when there is room again


class PanelFit(QObject):
    """Watches `splitter`'s resizes and fits its three panes (left, centre, right).

    Signals: rightShown(bool) when the right panel collapses here or comes back.
    """

    rightShown = Signal(bool)

    def __init__(self, splitter: QSplitter) -> None:
        super().__init__(splitter)
        self.splitter = splitter
        # After the splitter has shared out the new width itself (its own resize handler
        # runs after this filter), in the same event-loop turn.
        self._later = QTimer(self, singleShot=True, interval=0)
        self._later.timeout.connect(self.fit)
        self._collapsed_here = [False, False]  # left, right: collapsed by this, not the user
        self._narrowed_here = [False, False]  # narrowed below their wanted width, not by the user
        self._dragged: list[int | None] = [None, None]  # the widths the user last dragged to
        splitter.splitterMoved.connect(self._dragged_by_user)
        for index in (0, 2):
            splitter.setCollapsible(index, True)
        splitter.setCollapsible(1, False)
        splitter.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._later.start()
        return False

    def fit(self) -> None:
        """Give the transcript at least CENTRE_MIN pixels if the panels can give way."""
        splitter = self.splitter
        sizes = splitter.sizes()
        if len(sizes) != 3:
            return
        total = sum(sizes)
        if total <= 0:
            return
        left, centre, right = sizes
        for side, width in ((0, left), (1, right)):  # narrowed by the splitter on a resize
            if 0 < width < self._wanted(side):
                self._narrowed_here[side] = True
        # Panels collapsed here come back first, when they fit beside a comfortable centre.
        for side in (1, 0):  # right first: it holds the prompt, worth more than the list
            if self._collapsed_here[side]:
                room = total - left - right - CENTRE_MIN
                want = min(self._wanted(side), room)
                if want >= max(NARROW[side], self._least(2 * side)):
                    if side:
                        right = want
                        self.rightShown.emit(True)
                    else:
                        left = want
                    self._collapsed_here[side] = False
                    self._narrowed_here[side] = want < self._wanted(side)
        # Panels narrowed here widen again, as far as the room beside the centre allows.
        for side in (1, 0):
            width = right if side else left
            if self._narrowed_here[side] and width > 0:
                room = total - left - right - CENTRE_MIN
                grown = min(self._wanted(side), width + max(room, 0))
                if side:
                    right = grown
                else:
                    left = grown
                self._narrowed_here[side] = grown < self._wanted(side)
        centre = total - left - right
        if centre < CENTRE_MIN:
            short = CENTRE_MIN - centre
            # Narrow the right panel, then the left one, to their narrow widths (or the
            # narrowest their content allows: the splitter keeps to that).
            narrow = [max(NARROW[i], self._least(2 * i)) for i in (0, 1)]
            give = min(short, max(right - narrow[1], 0)) if right else 0
            right -= give
            short -= give
            self._narrowed_here[1] |= give > 0
            give = min(short, max(left - narrow[0], 0)) if left else 0
            left -= give
            short -= give
            self._narrowed_here[0] |= give > 0
            if short > 0 and right:  # still too narrow: the right panel goes
                right, short = 0, max(short - right, 0)
                self._collapsed_here[1] = True
                self.rightShown.emit(False)
            if short > 0 and left:
                left = 0
                self._collapsed_here[0] = True
        # A list squeezed below its narrow width by the splitter gets it back when there is room
        # (not past a narrower width the user dragged it to).
        floor = min(NARROW[0], self._wanted(0))
        if 0 < left < floor and total - right - floor >= CENTRE_MIN:
            left = floor
        new = [left, total - left - right, right]
        if new != sizes:
            splitter.setSizes(new)

    def _dragged_by_user(self, _pos: int, handle: int) -> None:
        """The user dragged handle `handle` (1: the list's, 2: the right panel's; setSizes
        does not come here): that panel's width now is the one wanted, a narrower one too; a
        panel dragged shut stays shut."""
        side = 0 if handle == 1 else 1
        width = self.splitter.sizes()[0 if side == 0 else 2]
        self._narrowed_here[side] = False
        self._collapsed_here[side] = False
        if width > 0:
            self._dragged[side] = width

    def _wanted(self, side: int) -> int:
        """The width panel `side` (0 left, 1 right) widens back to when there is room."""
        dragged = self._dragged[side]
        return dragged if dragged is not None else self._wide(2 * side)

    def _least(self, index: int) -> int:
        """The narrowest the splitter lets pane `index` be without collapsing it."""
        widget = self.splitter.widget(index)
        return max(widget.minimumWidth(), widget.minimumSizeHint().width())

    def _wide(self, index: int) -> int:
        """What pane `index` (0 or 2) gets when there is room: the right one as wide as its
        content likes (its size hint), the list `WIDE[0]`."""
        if index == 0:
            return WIDE[0]
        return max(WIDE[1], self._least(2), self.splitter.widget(2).sizeHint().width())

    def reveal_right(self) -> None:
        """Bring back a collapsed right panel (Ctrl+B). In a small window the list narrows or
        collapses (it comes back when the window is wide again) so the transcript keeps
        CENTRE_MIN; only a window too small for the panel's narrowest squeezes it more."""
        sizes = self.splitter.sizes()
        if len(sizes) != 3 or sizes[2] > 0:
            return
        self._collapsed_here[1] = False
        left, centre, _right = sizes
        total = left + centre
        least = self._least(2)
        room = total - CENTRE_MIN  # for both side panels
        if left and left + least > room:  # the list makes room: narrower, or gone
            left = min(left, max(NARROW[0], self._least(0)))
            if left + least > room:
                left = 0
                self._collapsed_here[0] = True
        right = max(least, min(self._wide(2), room - left))
        self._narrowed_here[1] = right < self._wide(2)  # widens again when there is room
        self.splitter.setSizes([left, max(total - left - right, 0), right])
