"""Azure's error answers in its exact words: the `Fail` behaviour and its `{"error": {...}}`
bodies (unauthorized, forbidden, deployment not found, rate limited, content filter...)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from tests.support.fake_azure_filters import content_filter_results

UNAUTHORIZED_MESSAGE = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
    "provide a valid key for an active subscription and use a correct regional API "
    "endpoint for your resource."
)
DEPLOYMENT_NOT_FOUND_MESSAGE = (
    "The API deployment for this resource does not exist. If you created the deployment "
    "within the last 5 minutes, please wait a moment and try again."
)
CONTENT_FILTER_MESSAGE = (
    "The response was filtered due to the prompt triggering Azure OpenAI's content "
    "management policy. Please modify your prompt and retry. To learn more about our "
    "content filtering policies please read our documentation: "
    "https://go.microsoft.com/fwlink/?linkid=2198766"
)
RATE_LIMIT_MESSAGE = (
    "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version "
    "2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. "
    "Please retry after {seconds} seconds."
)
FORBIDDEN_MESSAGE = (
    "The principal `{principal}` lacks the required data action "
    "`Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to "
    "perform `POST /openai/deployments/{{deployment-id}}/chat/completions` operation."
)
SPECIAL_TOKENS_MESSAGE = "Failed to generate output due to special tokens in the input."
INVALID_UNICODE_MESSAGE = (
    "Failed to create completion as the model generated invalid Unicode output"
)
_SERVER_ERRORS: dict[int, tuple[str, str]] = {
    500: ("InternalServerError", "The server had an error while processing your request."),
    502: ("BadGateway", "Bad gateway."),
    503: (
        "ServiceUnavailable",
        "The service is temporarily unable to process your request. Please try again later.",
    ),
    504: ("Timeout", "The operation was timeout."),
}

INVALID_REQUEST = "invalid_request_error"


@dataclass
class Fail:
    """An HTTP error with Azure's ``{"error": {...}}`` body."""

    status: int
    code: str | None
    message: str
    headers: dict[str, str] | None = None
    innererror: dict[str, Any] | None = None
    param: str | None = None
    type: str | None = None  # "invalid_request_error" for the model-capability 400s

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {}
        if self.type is not None:  # Azure's OpenAI-style body: message, type, param, code
            return {
                "error": {
                    "message": self.message,
                    "type": self.type,
                    "param": self.param,
                    "code": self.code,
                }
            }
        if self.code is not None:
            err["code"] = self.code
        err["message"] = self.message
        if self.param is not None:
            err["param"] = self.param
            err["type"] = None
            err["status"] = self.status
        if self.innererror is not None:
            err["innererror"] = self.innererror
        return {"error": err}

    # -- what a model rejects, in Azure's exact words
    @classmethod
    def unsupported_parameter(cls, param: str, instead: str | None = None) -> Fail:
        message = f"Unsupported parameter: '{param}' is not supported with this model."
        if instead:
            message += f" Use '{instead}' instead."
        return cls(400, "unsupported_parameter", message, param=param, type=INVALID_REQUEST)

    @classmethod
    def unsupported_value(cls, param: str, value: Any, supported: str | None = None) -> Fail:
        shown = json.dumps(value) if not isinstance(value, str) else f"'{value}'"
        message = f"Unsupported value: '{param}' does not support {shown} with this model."
        if supported:
            message += f" {supported}"
        return cls(400, "unsupported_value", message, param=param, type=INVALID_REQUEST)

    @classmethod
    def unauthorized(cls) -> Fail:
        return cls(401, "401", UNAUTHORIZED_MESSAGE)

    @classmethod
    def forbidden(cls, principal: str = "00000000-0000-0000-0000-000000000000") -> Fail:
        return cls(403, "PermissionDenied", FORBIDDEN_MESSAGE.format(principal=principal))

    @classmethod
    def deployment_not_found(cls) -> Fail:
        return cls(404, "DeploymentNotFound", DEPLOYMENT_NOT_FOUND_MESSAGE)

    @classmethod
    def rate_limited(cls, retry_after_ms: int = 1000) -> Fail:
        seconds = math.ceil(retry_after_ms / 1000)
        return cls(
            429,
            "429",
            RATE_LIMIT_MESSAGE.format(seconds=seconds),
            headers={"retry-after": str(seconds), "retry-after-ms": str(retry_after_ms)},
        )

    @classmethod
    def content_filter(cls, categories: dict[str, str] | None = None) -> Fail:
        results = content_filter_results(categories or {"violence": "high"})
        return cls(
            400,
            "content_filter",
            CONTENT_FILTER_MESSAGE,
            innererror={
                "code": "ResponsibleAIPolicyViolation",
                "content_filter_result": results,
            },
            param="prompt",
        )

    @classmethod
    def special_tokens(cls) -> Fail:
        return cls(400, None, SPECIAL_TOKENS_MESSAGE)

    @classmethod
    def invalid_unicode(cls) -> Fail:
        return cls(500, None, INVALID_UNICODE_MESSAGE)

    @classmethod
    def server_error(cls, status: int = 503) -> Fail:
        code, message = _SERVER_ERRORS.get(status, (str(status), "Internal server error."))
        return cls(status, code, message)
