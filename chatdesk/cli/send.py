"""`chatdesk send FILE`: send a conversation, stream the reply to stdout, save it into FILE.

    chatdesk send FILE|- [-m TEXT|-] [--profile NAME [--deployment D] | --endpoint URL
                         --deployment D [--api-version V] | --base-url URL --model M]
                       [--no-stream] [--reasoning-effort E] [--read-timeout S] [--deadline S]
                       [--tool-result ID=TEXT|ID=@FILE ...]

A saved profile (--profile, the file's or the default) sends to the deployment `--deployment`
names (one of the profile's, which the file records, or any name for this run), else to the
one the file recorded when it is the profile's, else to its default: the window's rule
(`ConnectionProfile.picked`), which `chatdesk tokens` counts with.
FILE may be a bare Chat Completions request body (an agent's): as in the window, it then
becomes a new library conversation, which gets the reply, and the body file is never written;
so does what FILE `-` reads from standard input (`cat body.json | chatdesk send -`);
one line on stderr names the new file once it holds the reply (`cli/body_file.py`); when
nothing comes back it is removed again and stderr says nothing was saved. Each send of the
body makes another new conversation.
Without connection options the saved profile the file names is used (its "profile"), else the
environment's, as the openai SDK reads it (AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY,
OPENAI_API_VERSION, OPENAI_BASE_URL, OPENAI_API_KEY), else, for a file or body naming no
profile, the default profile (Connections' "(default)"), as the window gives a new
conversation; the file records it. Keys come from the profile's keyring entry or those
variables, never from argv.

The reply is appended with its metadata and the file saved atomically, also when the request
fails midway: the partial reply is kept, marked incomplete. While it streams, the file is
updated about once a second (`ReplyFile`), so even a killed `send` keeps what arrived; a file
another program changed meanwhile is never written over (see `core/reply_file.py`). Ctrl+C
(or SIGTERM) stops the stream and saves what arrived. When the deployment refuses a parameter,
a role or streaming, the request is adjusted and sent once more, the change is printed in one
line and remembered in the settings.
When stdout goes away (`| head -c 5`, `| true`) or cannot be written (a full disk), printing
stops but the request does not: the whole reply is saved, and the exit status says so.
A conversation whose last reply another chatdesk is still writing (its "writing" mark, see
`core/in_flight.py`) is refused: nothing is sent, the file is left as it is, exit status 1.
The reply this command writes carries that mark too, from when the request leaves until it
ends (`cli/reply_mark.py`), so a window or another `send` refuses to send over it; when nothing
comes back (a failure, Ctrl+C before the first word) the file is put back as it was.
Exit status: 0 done, 1 the request failed, the reply is incomplete or it is empty because
reasoning used the whole response limit, or stdout could not be written (the reply is saved),
2 usage, 130 stopped with Ctrl+C, 141 the reader of stdout went away (the reply is saved).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

from chatdesk.cli.body_file import NewConversation
from chatdesk.cli.command import (
    EXIT_BROKEN_PIPE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    STDIN,
    STDIN_HELP,
    Parser,
    conversation_file,
    fail,
    load_given,
    seconds,
)
from chatdesk.cli.connections import command_line_connections
from chatdesk.cli.message_option import HELP as MESSAGE_HELP
from chatdesk.cli.message_option import message_arg
from chatdesk.cli.output import ReasoningOutput, ReplyOutput
from chatdesk.cli.reply_mark import cut_off, drop_abandoned, kept_marked, streaming
from chatdesk.cli.send_connection import (
    ADHOC_PROFILE,
    UsageError,
    pick_profile,
    remember,
    with_headers,
)
from chatdesk.cli.tool_result_option import HELP as TOOL_RESULT_HELP
from chatdesk.cli.tool_result_option import (
    add_tool_results,
    asked_text,
    keep_results,
    kept_text,
    tool_result_arg,
)
from chatdesk.core.cards import shown_text
from chatdesk.core.choices import Api, FinishReason, HistoryKeeper
from chatdesk.core.conversation import (
    API_KINDS,
    HISTORY_KEEPERS,
    REASONING_SUMMARIES,
    Conversation,
)
from chatdesk.core.deployments import DeploymentNote
from chatdesk.core.fileformat import ConversationFileError
from chatdesk.core.messages import Message
from chatdesk.core.reply_file import ReplyFile
from chatdesk.core.responses_request import api_of, unsent_for
from chatdesk.core.sending import awaits_reply
from chatdesk.core.text_policy import replaced_notice
from chatdesk.core.usage import larger_limit, reasoning_exhausted_text
from chatdesk.service.chat import ChatService
from chatdesk.service.events import (
    Adjusted,
    CancelToken,
    ChatError,
    ReasoningDelta,
    ReplyDelta,
    ReplyResult,
    RetryNotice,
    retry_wait_text,
)
from chatdesk.service.send_checks import check_not_in_flight

PROG = "chatdesk send"


def _parser() -> Parser:
    p = Parser(
        prog=PROG,
        description="Send the conversation in FILE, stream the reply and save it into FILE.",
        epilog="Without connection options the saved profile FILE names is used (its "
        '"profile", recorded by the window or an earlier send --profile), else the '
        "environment (AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, OPENAI_API_VERSION, or "
        "OPENAI_BASE_URL and OPENAI_API_KEY), else, when FILE names no profile, the default "
        "profile (as the window gives a new conversation). Keys are read from the keyring or "
        "those variables, never from the command line.",
        doc=__doc__,
    )
    p.add_argument(
        "file", metavar="FILE", type=conversation_file,
        help=STDIN_HELP + " (which then goes into a new library conversation, with the reply)",
    )  # fmt: skip
    p.add_argument("-m", "--message", metavar="TEXT", help=MESSAGE_HELP)
    p.add_argument("--profile", metavar="NAME", help="a connection profile from the settings")
    p.add_argument("--endpoint", metavar="URL", help="Azure OpenAI resource or v1 endpoint")
    p.add_argument(
        "--deployment",
        metavar="D",
        help="the deployment to send to: one of the profile's (default: the one FILE picked, "
        "else the profile's default), or the deployment at --endpoint",
    )
    p.add_argument(
        "--api-version", metavar="V", help="use the dated API with this version (with --endpoint)"
    )
    p.add_argument("--base-url", metavar="URL", help="an OpenAI-compatible base URL")
    p.add_argument("--model", metavar="M", help="the model name (with --base-url)")
    p.add_argument("--no-stream", action="store_true", help="wait for the whole reply")
    p.add_argument(
        "--reasoning-effort",
        metavar="E",
        help="how hard a reasoning model thinks: minimal, low, medium, high (as the model takes)",
    )
    p.add_argument(
        "--api",
        type=Api,
        choices=API_KINDS,
        help="send through Chat Completions or the Responses API (default: the file's choice, "
        "else the profile's); saved in FILE",
    )
    p.add_argument(
        "--history",
        type=HistoryKeeper,
        choices=HISTORY_KEEPERS,
        help="Responses API: chatdesk sends the history, or the service keeps it "
        "(store, previous_response_id); saved in FILE",
    )
    p.add_argument(
        "--reasoning-summary",
        choices=REASONING_SUMMARIES,
        help="Responses API: ask a reasoning model for a summary of its reasoning (to stderr)",
    )
    p.add_argument(
        "--read-timeout",
        metavar="S",
        type=seconds,
        help="seconds without a byte before the request counts as dead (default: the model's)",
    )
    p.add_argument(
        "--deadline", metavar="S", type=seconds, help="seconds the whole request may take"
    )
    p.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header too, for this run only (repeatable)",
    )
    p.add_argument(
        "--tool-result", action="append", default=[], metavar="ID=TEXT", type=tool_result_arg,
        help=TOOL_RESULT_HELP,
    )  # fmt: skip
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the request (secrets masked) instead of sending it; nothing is saved",
    )
    p.add_argument(
        "--whole-images",
        action="store_true",
        help="with --dry-run only: print each image's data URL whole (default: shortened to "
        "its type, size and first and last characters); a request sends them whole anyway",
    )
    return p


@contextlib.contextmanager
def _ctrl_c_cancels(cancel: CancelToken) -> Iterator[None]:
    """The first Ctrl+C (or SIGTERM) stops the reply, so the partial is saved; a second aborts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, handler)
    previous_term = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)



def _limit_field(path: str, conv: Conversation, body: dict[str, Any], spent: int, at: int) -> str:
    """Where `send` takes the response limit from (the file's field: no option sets it), and
    the limit the window's Retry would use (`larger_limit`, above the one in effect `at`)."""
    now = conv.params.max_tokens
    field = f'"max_tokens" in the "params" of {path}'
    field += f", now {now}" if now is not None else ", not set: the service's default"
    for sent_as in ("max_completion_tokens", "max_output_tokens"):  # the request's name for it
        if sent_as in body:
            field += f", sent as {sent_as}"
    return f'{field}; e.g. "params": {{"max_tokens": {larger_limit(spent, at) or at}}}'


def run_send(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.whole_images and not args.dry_run:  # it changes only what --dry-run prints
        parser.error(
            "--whole-images goes with --dry-run (it prints the images' data URLs whole; a "
            "request sends them whole anyway): add --dry-run, or leave it out"
        )
    question = message_arg(parser, args)
    try:
        opened = load_given(args.file)
    except ConversationFileError as exc:
        fail(str(exc))
        return EXIT_ERROR
    if args.file == STDIN:  # no file to write back into: a new library conversation gets it
        opened.imported = True
    conv = opened.conversation
    if opened.notice():
        fail(f"note: {args.file}: {opened.notice()}")
    try:  # another chatdesk is still writing its last reply: the window's refusal
        check_not_in_flight(conv)
    except ChatError as exc:
        fail(exc.text)
        return EXIT_ERROR
    drop_abandoned(conv, args.file)  # a reply a killed chatdesk never began: asked again
    added = add_tool_results(conv, args.tool_result)
    if added.problem is not None:  # said before anything is sent (core/tool_results.py)
        print(f"{PROG}: error: {added.problem}", file=sys.stderr)
        return EXIT_USAGE
    if added.already:
        fail(f"note: {args.file} already holds the result given for {', '.join(added.already)} "
             "(kept by an earlier send); it is sent as it is.")  # fmt: skip
    if question is not None:  # after the results: a question follows the calls' answers
        conv.append(Message.new("user", question))
    # A question, or a tool's result for the model to answer from (an agent loop's body).
    if not awaits_reply(conv[len(conv) - 1] if len(conv) else None):
        print(
            f"{PROG}: error: the last message of {args.file} must be a user message or a "
            "tool result (give the question with --message TEXT, or add it to the file)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    env = dict(os.environ)
    from chatdesk.core.settings import load_settings

    loaded = load_settings()
    if loaded.warning is not None:
        fail(loaded.warning)
    settings = loaded.settings
    try:
        # Also for the ad-hoc connections: the settings' proxy applies to every request.
        connections = command_line_connections(env, settings)
        profile, credentials = pick_profile(args, env, connections, conv)
        profile = with_headers(profile, args.header)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if profile.name == ADHOC_PROFILE:  # what the URL check changed: the dialog's notes
        option = "--base-url" if profile.kind == "openai-compatible" else "--endpoint"
        for note in profile.check(sends_secret=False).notes:
            fail(f"note: {option}: {note}")
    if (added.answered or question is not None) and not args.dry_run and not opened.imported:
        # Saved before the request: no failure loses what the user typed (a body's go into
        # its new library conversation, below).
        what = " and ".join(
            w for w, given in (("the tool results", added.answered), ("the question", question))
            if given
        )  # fmt: skip
        try:
            opened = keep_results(opened, args.file)
        except OSError as exc:
            fail(f"cannot save {what} into {args.file} ({exc.strerror or exc}); "
                 "nothing was sent.")  # fmt: skip
            return EXIT_ERROR
    if args.reasoning_effort is not None:
        conv.params.reasoning_effort = args.reasoning_effort
    if args.reasoning_summary is not None:
        conv.params.reasoning_summary = args.reasoning_summary
    conv.api = args.api or conv.api
    conv.history_keeper = args.history or conv.history_keeper

    service = ChatService(
        credentials,
        notes=settings.deployments,
        deadline=args.deadline or settings.request_deadline,
    )
    if args.profile is not None:  # saved with the reply, as the window saves its connection
        conv.profile = args.profile
    match = profile.model_match(conv.model)
    api = api_of(conv, profile.api, match.family)
    for line in unsent_for(conv, match.family, match.exact, api):  # the request leaves them out
        fail(line)
    if args.dry_run:
        from chatdesk.cli.dry_run import print_dry_run

        return print_dry_run(
            service, conv, profile, stream=not args.no_stream, whole_images=args.whole_images
        )
    target = args.file  # where the conversation with the reply is saved
    body: NewConversation | None = None
    if opened.imported:  # a request body: a new library conversation, as the window opens it
        from chatdesk.cli.body_file import into_library

        try:
            opened, path = into_library(conv, args.file)
        except OSError as exc:
            fail(f"{args.file} is a request body, which goes into the library as a new "
                 f"conversation, but the library cannot be written ({exc.strerror or exc}); "
                 "nothing was sent.")  # fmt: skip
            return EXIT_ERROR
        target = str(path)
        body = NewConversation(args.file, path, opened.disk)
    cancel = CancelToken()
    result: ReplyResult | None = None
    error: ChatError | None = None
    shown: list[str] = []
    learned: dict[str, DeploymentNote] = {}
    interrupted = False
    reply_file = ReplyFile(target, opened)

    def told(event: Adjusted | RetryNotice) -> None:
        if isinstance(event, Adjusted):
            if event.said:  # "": only a note to keep (the error that follows says why)
                fail(event.said)
            if event.note is not None:
                learned[event.key] = event.note
        else:
            fail(f"{event.reason}. {retry_wait_text(event.delay)}")

    thinking = ReasoningOutput()
    out = ReplyOutput()  # a closed pipe or a full disk stops the printing, not the request
    try:
        prepared = service.prepare(conv, profile, stream=not args.no_stream)
        if args.read_timeout is not None:
            prepared.read_timeout = args.read_timeout
        with _ctrl_c_cancels(cancel), kept_marked(reply_file):  # marked: nobody sends over it
            if args.no_stream:
                result = service.complete(prepared, cancel, on_retry=told, on_adjusted=told)
                for number, part in enumerate(result.reasoning_summary or []):
                    thinking.show(ReasoningDelta(part, new_part=number > 0))
                thinking.end()
                shown.append(result.content)
                out.write(result.content)
            else:
                for event in service.stream(prepared, cancel):
                    if isinstance(event, ReplyDelta):
                        thinking.end()
                        out.write(event.text)
                        shown.append(event.text)
                        if reply_file.due():  # a kill now keeps what streamed so far
                            reply_file.write(streaming("".join(shown)))
                            if body is not None:
                                body.tell(reply_file)
                    elif isinstance(event, ReasoningDelta):
                        thinking.show(event)
                    elif isinstance(event, Adjusted | RetryNotice):
                        told(event)
                    elif isinstance(event, ReplyResult):
                        result = event
    except ChatError as exc:
        error = exc
        result = exc.partial
        if result is None and shown:
            result = ReplyResult(content="".join(shown), incomplete=True)
    except KeyboardInterrupt:  # a second Ctrl+C: keep what was printed, wait no longer
        interrupted = True
        result = ReplyResult(content="".join(shown), incomplete=True)
    if "".join(shown) and not shown[-1].endswith("\n"):  # end what was printed, not nothing
        out.write("\n")
    if learned:
        remember(learned)

    exhausted = result.reasoning_exhausted if result is not None and error is None else None
    kept = kept_text(added, target)  # the results given are in the file, whatever came back
    if exhausted is not None:  # nothing to keep: the question stays last, ready to send again
        reply_file.withdraw()
        if body is not None:
            body.say()
        at = prepared.plan.reserve if prepared.plan is not None else 0  # the limit in effect
        how = _limit_field(target, conv, prepared.body, exhausted, at)
        fail(reasoning_exhausted_text(exhausted, how))
        if kept is not None:
            fail(f"note: {kept}.")
        return EXIT_ERROR
    saved = False
    if result is not None and (result.content or not result.incomplete):
        reply = result.message(error, stopped=cancel.cancelled or interrupted)
        if result.tool_calls:  # the model asks for a tool: shown, never run
            out.write(shown_text(reply) + "\n")
        prepared.record_source(reply.meta)
        if not reply_file.write(reply):
            assert reply_file.error is not None
            where = reply_file.copy or target
            fail(f"cannot save {where} ({reply_file.error.strerror or reply_file.error}); "
                  "the reply is not saved.")  # fmt: skip
            return EXIT_ERROR
        saved = True
        if result.tool_calls:  # how to answer it, in the file that holds the call
            fail(asked_text(reply_file.conversation, str(reply_file.saved_to)))
    elif "".join(shown):  # what streamed before the result lost it: kept, the mark ended
        saved = reply_file.write(cut_off("".join(shown)))
    else:  # nothing came: the file as it was (the question stays last, ready to send again)
        reply_file.withdraw()
    unsaved = kept or "nothing was saved"
    if body is not None and saved:
        body.tell(reply_file)
    elif body is not None and kept is not None:  # it holds the results given: kept
        body.say()
    elif body is not None:  # nothing came back: the new conversation is not kept
        unsaved = body.drop()
    if result is not None and result.replaced:
        fail("note: " + replaced_notice(result.replaced, of=" of the reply"))
    if reply_file.copy is not None:
        fail(
            f"{target} was changed by another program meanwhile, so it was left alone; "
            f"the conversation with the reply was saved as {reply_file.copy}."
        )
    elif reply_file.merged:
        fail(f"note: {target} was changed by another program meanwhile; the reply was "
              "added to it, keeping those changes.")  # fmt: skip
    if out.error is not None:  # printing stopped, the request went on
        where = reply_file.copy or target
        fail(
            f"{out.problem()}, so the reply was not printed in full; "
            + (f"it was saved in {where}." if saved else "nothing arrived to save.")
        )
    if error is not None:
        words = f" {unsaved[0].upper()}{unsaved[1:]}." if body or kept else ""
        fail(error.text + (" The partial reply was saved, marked incomplete." if saved else words))
        return EXIT_ERROR
    assert result is not None  # set by every path that has no error
    if cancel.cancelled or interrupted:
        fail(
            "stopped; the partial reply was saved, marked incomplete."
            if saved
            else f"stopped before any reply arrived; {unsaved}."
        )
        return EXIT_INTERRUPTED
    if result.incomplete:
        fail(
            "the reply ended without a finish reason; it was saved, marked incomplete."
            if saved
            else f"the reply ended before any text arrived; {unsaved}."
        )
        return EXIT_ERROR
    if result.finish_reason == FinishReason.LENGTH:
        fail("the reply was cut off at the token limit (finish_reason: length).")
    elif result.finish_reason == FinishReason.CONTENT_FILTER:
        flagged = ", ".join(f"{k}: {v}" for k, v in result.flagged.items())
        fail(f"the content filter cut the reply short ({flagged or 'no details'}).")
    if out.error is not None:
        return EXIT_BROKEN_PIPE if out.reader_gone else EXIT_ERROR
    return EXIT_OK
