"""Sample endpoints and profiles the connection profile tests share."""

from __future__ import annotations

from chatdesk.core.profiles import ConnectionProfile

DEPLOYMENT_NOTE = (
    "The URL contained the deployment path for 'gpt4o-prod'; chatdesk uses the resource "
    "endpoint and sends the deployment separately."
)
V1 = "https://x.openai.azure.com/openai/v1/"
ROOT = "https://x.openai.azure.com/"


def profile(**changes) -> ConnectionProfile:
    fields = {"name": "work", "kind": "azure-v1", "endpoint": V1, "deployment": "gpt4o-prod"}
    return ConnectionProfile(**{**fields, **changes})
