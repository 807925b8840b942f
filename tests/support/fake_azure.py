"""A local fake of Azure OpenAI chat-completions that speaks the real wire format.

Tests and benchmarks point the real ``openai`` client at it over real sockets, so every
byte that leaves here mimics what Azure sends: the Azure-only filter annotations, the
empty-``choices`` first stream chunk, error bodies, ``retry-after`` headers and so on.
It only ever binds 127.0.0.1.

    with FakeAzure() as srv:
        srv.enqueue(Reply("Hi", delay=0.01), Fail.rate_limited(retry_after_ms=1500))
        client = openai.OpenAI(base_url=srv.v1_base_url, api_key="test-key")

The pieces live in the `fake_azure_*` modules next to this one (server, handler, wire,
chat completions, behaviours, errors, filters, models, images, tool turns, gateway, request
log); this module is the surface the tests import from.

A company network in front of it (a test CA, and a CONNECT proxy with a request log and a 407
mode) is tests/support/netlab.py's `TestCA` and `ConnectProxy`; `COMPANY_HOST` and `routes_to`
put a FakeAzure where only the proxy reaches it (loopback always goes direct past a proxy).

Run standalone with ``python -m tests.support.fake_azure --port 8765 [--delay 0.05]``.
"""

import argparse
import time

from tests.support.fake_azure_behaviours import (
    ABSENT,
    Behaviour,
    Drop,
    Hang,
    Malformed,
    Reply,
    Trickle,
)
from tests.support.fake_azure_errors import (
    CONTENT_FILTER_MESSAGE,
    DEPLOYMENT_NOT_FOUND_MESSAGE,
    FORBIDDEN_MESSAGE,
    INVALID_REQUEST,
    INVALID_UNICODE_MESSAGE,
    RATE_LIMIT_MESSAGE,
    SPECIAL_TOKENS_MESSAGE,
    UNAUTHORIZED_MESSAGE,
    Fail,
)
from tests.support.fake_azure_filters import CATEGORIES, annotation_choice, content_filter_results
from tests.support.fake_azure_gateway import APIM_MISSING_KEY, Gateway
from tests.support.fake_azure_handler import _Handler
from tests.support.fake_azure_images import MAX_IMAGE_BYTES, MAX_IMAGES, image_parts, image_problem
from tests.support.fake_azure_models import AzureModel
from tests.support.fake_azure_request_log import RecordedRequest
from tests.support.fake_azure_server import FakeAzure
from tests.support.fake_azure_tool_turns import tool_turn_problem
from tests.support.fake_azure_wire import _AbortConnection
from tests.support.fake_responses import Failed

__all__ = [
    "ABSENT",
    "APIM_MISSING_KEY",
    "CATEGORIES",
    "CONTENT_FILTER_MESSAGE",
    "DEPLOYMENT_NOT_FOUND_MESSAGE",
    "FORBIDDEN_MESSAGE",
    "INVALID_REQUEST",
    "INVALID_UNICODE_MESSAGE",
    "MAX_IMAGES",
    "MAX_IMAGE_BYTES",
    "RATE_LIMIT_MESSAGE",
    "SPECIAL_TOKENS_MESSAGE",
    "UNAUTHORIZED_MESSAGE",
    "AzureModel",
    "Behaviour",
    "Drop",
    "Fail",
    "Failed",
    "FakeAzure",
    "Gateway",
    "Hang",
    "Malformed",
    "RecordedRequest",
    "Reply",
    "Trickle",
    "_AbortConnection",
    "_Handler",
    "annotation_choice",
    "content_filter_results",
    "image_parts",
    "image_problem",
    "main",
    "tool_turn_problem",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Azure OpenAI chat-completions server")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between chunks")
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--deployment", action="append", help="accept only these (repeatable)")
    parser.add_argument("--model-name", default=None)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--close-connections", action="store_true", help="end every connection after its response"
    )
    args = parser.parse_args(argv)
    srv = FakeAzure(
        api_key=args.api_key,
        deployments=set(args.deployment) if args.deployment else None,
        port=args.port,
        model_name=args.model_name,
        verbose=not args.quiet,
    )
    srv.default = Reply(delay=args.delay)
    srv.close_connections = args.close_connections
    with srv:
        print(f"FakeAzure listening on {srv.url}  (api key: {args.api_key})")
        print(f"  Azure v1 base_url:      {srv.v1_base_url}")
        print(f"  AzureOpenAI endpoint:   {srv.azure_endpoint}")
        print(f"  OpenAI-compatible base: {srv.openai_base_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
