"""`chatdesk attach FILE IMAGE...`: add images to the question a conversation file ends with.

    chatdesk attach FILE IMAGE... [--detail auto|low|high] [--text T] [--profile NAME]

Each image goes through the window's rule (`service/image_prep.py`): checked, downscaled to what
the file's model reads, stored in FILE as a data URL (an image for a model chatdesk does not
know is kept as it is and fitted when sent). The images, and the --text, join the question FILE
ends with (its last message, a user message), else they start a new question after the reply.
What went where is printed. `chatdesk send FILE` then sends them. As in the window, each bad
image (a type Azure does not take, a damaged file, ...) is named on stderr and the others are
still attached; more images than a request carries, or a model that takes none, is said before
any is read and nothing is written. The image files are only read.
A bare request body FILE is never written: as in the window, the body with the images becomes a
new library conversation, named in one line on stderr (`cli/body_file.py`); send that file.

Exit status: 0 done, 1 the file or an image refused (the others, printed, were attached),
2 usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from chatdesk.cli.command import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    FILE_HELP,
    Parser,
    conversation_file,
    fail,
)
from chatdesk.cli.model_choice import UnknownProfile, model_match_for
from chatdesk.core.budget import Budget
from chatdesk.core.choices import ImageDetail
from chatdesk.core.fileformat import ConversationFileError, load_conversation, save_conversation
from chatdesk.core.image_input import (
    DETAILS,
    attach_problem,
    image_refs,
    reading_rule,
    size_text,
    view_size,
)
from chatdesk.core.messages import Message
from chatdesk.core.models import ImageRule, ModelInfo
from chatdesk.service.image_prep import PreparedImage, prepare_images

PROG = "chatdesk attach"


def _parser() -> Parser:
    p = Parser(
        prog=PROG, description="Add images to the question a conversation ends with.", doc=__doc__
    )
    p.add_argument("file", metavar="FILE", type=conversation_file, help=FILE_HELP)
    p.add_argument("images", nargs="+", metavar="IMAGE", help="PNG, JPEG, WebP or GIF files")
    p.add_argument(
        "--detail", choices=DETAILS, default=ImageDetail.AUTO, help="image detail (auto)"
    )
    p.add_argument(
        "--text", help="words to go with the images (joining the question FILE ends with)"
    )
    p.add_argument(
        "--profile",
        help="profile whose model decides the size (default: the file's, else the environment's "
        "AZURE_OPENAI_DEPLOYMENT, as send)",
    )
    return p


def run(argv: list[str]) -> int:
    """`chatdesk attach ARGV...`; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        opened = load_conversation(args.file)
    except ConversationFileError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    conv = opened.conversation
    try:
        match = model_match_for(conv, args.profile)
    except UnknownProfile as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    budget = Budget(conv, match=match)
    model = budget.family
    budget.close()
    rule = reading_rule(model, budget.match.exact)
    messages = [m.to_api() for m in conv.all_messages()]
    present = len(list(image_refs(messages)))
    refused = attach_problem(model, budget.match.exact, present, len(args.images))
    if refused is not None:  # checked before any image is read, as the window does
        print(f"{PROG}: {refused.text} {refused.hint} Nothing was attached.", file=sys.stderr)
        return EXIT_ERROR
    ready, problems = prepare_images([(path, path) for path in args.images], rule, args.detail)
    for problem in problems:  # each bad image named; the good ones are still attached
        print(f"{PROG}: {problem}", file=sys.stderr)
    if not ready:
        print(f"{PROG}: Nothing was attached.", file=sys.stderr)
        return EXIT_ERROR
    prepared = [image for _path, image in ready]
    parts = [p.part for p in prepared]
    last = conv[len(conv) - 1] if len(conv) else None
    joins = last is not None and last.role == "user"
    if last is not None and joins:  # the question FILE ends with, as the window's draft is one
        conv.remove(len(conv) - 1)
        conv.append(last.with_text(args.text or "").with_images(parts))
    else:
        conv.append(Message.new("user", args.text or "").with_images(parts))
    target = args.file  # where the conversation with the images is saved
    try:
        if opened.imported:  # a request body: a new library conversation, the body untouched
            from chatdesk.cli.body_file import into_library

            _saved, library_file = into_library(conv, args.file)
            target = str(library_file)
        else:
            save_conversation(conv, args.file, opened.disk)
    except OSError as exc:  # also ChangedOnDisk: another program wrote it since
        where = "the library" if opened.imported else args.file
        print(f"{PROG}: cannot save {where} ({exc}); nothing was attached.", file=sys.stderr)
        return EXIT_ERROR
    for path, image in ready:
        width, height = image.size
        note = _size_note(image, rule, model, args.detail, conv.model)
        print(f"{path}: {width} × {height} px, {size_text(image.n_bytes)}{note}")
    what = f"{len(prepared)} image{'s' if len(prepared) > 1 else ''}"
    what += " and the text" if args.text else ""
    print(
        f"{target}: {what} added to the question it ends with."
        if joins
        else f"{target}: {what} added as a new question at its end."
    )
    if opened.imported:
        from chatdesk.cli.body_file import saved_line

        fail(saved_line(args.file, Path(target)))
    return EXIT_ERROR if problems else EXIT_OK


def _size_note(
    image: PreparedImage, rule: ImageRule | None, model: ModelInfo, detail: str, name: str | None
) -> str:
    """How the image's size follows the model's vision rule: downscaled now, or later, when sent
    to a model chatdesk knows (for a model it does not know the image is kept: it may read
    more). `name`: the file's model."""
    if image.downscaled:
        return (
            f", downscaled from {image.original_size[0]} × {image.original_size[1]} "
            f"to what {model.key} reads"
        )
    if rule is None and model.image is not None:
        later = view_size(model.image, image.size, detail)
        if later != image.size:
            unknown = f"'{name}'" if name else "the model"
            return (
                f"; kept as it is, since {unknown} is not a model chatdesk knows: sent to a "
                "model it knows, it is downscaled to what that model reads "
                f"({later[0]} × {later[1]} px for {model.key})"
            )
    return ""
