"""`chatdesk attach FILE IMAGE...`: add images to the question a conversation file ends with.

    chatdesk attach FILE IMAGE... [--detail auto|low|high] [--text T] [--profile NAME]

Each image goes through the window's rule (`service/image_prep.py`): checked, downscaled to what
the file's model reads, stored in FILE as a data URL. Without --text the images join the last
message when it is a user message, else they make a new one; --text always starts a new user
message. `chatdesk send FILE` then sends them. A bad image, too many images, or a model that
takes none is said and nothing is written. The image files are only read.

Exit status: 0 done, 1 a file or image refused, 2 usage.
"""

from __future__ import annotations

import sys

from chatdesk.cli.command import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Parser
from chatdesk.cli.model_choice import UnknownProfile, model_match_for
from chatdesk.core.budget import Budget
from chatdesk.core.choices import ImageDetail
from chatdesk.core.fileformat import ConversationFileError, load_conversation, save_conversation
from chatdesk.core.image_input import (
    DETAILS,
    image_problem,
    image_refs,
    reading_rule,
    size_text,
)
from chatdesk.core.messages import Message
from chatdesk.service.image_prep import ImageRefused, PreparedImage, prepare_image, read_image_file

PROG = "chatdesk attach"


def _parser() -> Parser:
    p = Parser(
        prog=PROG, description="Add images to the question a conversation ends with.", doc=__doc__
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="PNG, JPEG, WebP or GIF files")
    p.add_argument(
        "--detail", choices=DETAILS, default=ImageDetail.AUTO, help="image detail (auto)"
    )
    p.add_argument("--text", help="start a new user message with this text")
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
    prepared: list[PreparedImage] = []
    for path in args.images:
        try:
            data = read_image_file(path)
            prepared.append(prepare_image(data, path, rule, args.detail))
        except ImageRefused as exc:
            print(f"{PROG}: {exc} Nothing was attached.", file=sys.stderr)
            return EXIT_ERROR
    messages = [m.to_api() for m in conv.all_messages()]
    count = len(list(image_refs(messages))) + len(prepared)
    problem = image_problem(count, model, budget.match.exact)
    if problem is not None:
        print(f"{PROG}: {problem.text} {problem.hint} Nothing was attached.", file=sys.stderr)
        return EXIT_ERROR
    parts = [p.part for p in prepared]
    last = conv[len(conv) - 1] if len(conv) else None
    if args.text is None and last is not None and last.role == "user":
        conv.remove(len(conv) - 1)
        conv.append(last.with_images(parts))
    else:
        conv.append(Message.new("user", args.text or "").with_images(parts))
    try:
        save_conversation(conv, args.file, opened.disk)
    except OSError as exc:  # also ChangedOnDisk: another program wrote it since
        print(f"{PROG}: cannot save {args.file} ({exc}); nothing was attached.", file=sys.stderr)
        return EXIT_ERROR
    for path, image in zip(args.images, prepared, strict=True):
        width, height = image.size
        note = (
            f", downscaled from {image.original_size[0]} × {image.original_size[1]}"
            if image.downscaled
            else ""
        )
        print(f"{path}: {width} × {height} px{note}, {size_text(image.n_bytes)}")
    return EXIT_OK
