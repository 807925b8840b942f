"""What the transcript tests share: a Markdown reply, a model over a conversation, a long
history, a spy on the model's notifications and a settle() for the view's layout."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from chatdesk.core.conversation import Conversation
from chatdesk.core.messages import Message
from chatdesk.ui.transcript_model import TranscriptModel

REPLY = """# Sorting

| Function | Returns |
|---|--:|
| `sorted(xs)` | a new list |

```python
def top(xs):
    return sorted(xs)[:3]
```

See [the docs](https://docs.python.org/3/).
"""


def transcript_model(messages: list[Message]) -> TranscriptModel:
    model = TranscriptModel()
    model.set_conversation(Conversation(history=messages))
    return model


def long_history(n: int) -> list[Message]:
    roles = ("user", "assistant")
    return [Message(roles[i % 2], f"message {i} " + "words " * (i % 40)) for i in range(n)]


class ModelSpy:
    """Records a model's notifications as tuples."""

    def __init__(self, model: TranscriptModel) -> None:
        self.events: list[tuple] = []
        model.rowsInserted.connect(lambda _p, a, b: self.events.append(("inserted", a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.events.append(("removed", a, b)))
        model.modelReset.connect(lambda: self.events.append(("reset",)))
        model.dataChanged.connect(
            lambda tl, br, roles: self.events.append(("changed", tl.row(), br.row()))
        )

    def of(self, kind: str) -> list[tuple]:
        return [e for e in self.events if e[0] == kind]


def settle() -> None:
    # Measuring on paint can stage new heights; a few turns let the layout converge.
    for _ in range(6):
        QApplication.processEvents()
