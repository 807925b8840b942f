"""The words of Entra ID sign-in that every part of chatdesk shares: sign-in modes, what a
person must see (a device code, who is signed in) and the errors, whose texts are fit to show.
"""

from __future__ import annotations

from datetime import datetime

# Re-exported: the sign-in modes (one type for profiles and sign-in alike), and the chain
# of causes, read by the sign-in messages and the request's alike.
import msgspec

from chatdesk.core.choices import EntraMode as EntraMode
from chatdesk.service.error_context import exception_chain as exception_chain

# The public cloud's token scope; a profile's own comes from its cloud (core/clouds.py).
SCOPE = "https://cognitiveservices.azure.com/.default"


class DeviceCode(msgspec.Struct, frozen=True):
    """What the person must see to finish device-code sign-in on another device."""

    verification_uri: str
    user_code: str
    expires_on: datetime


class SignedIn(msgspec.Struct, frozen=True):
    username: str | None
    tenant_id: str | None
    authority: str | None


class EntraError(Exception):
    """Base of this module's errors; the message is fit to show and never holds a token."""


class SignInError(EntraError):
    """Sign-in or a token request failed; the message says what to do."""


class SignInRequired(SignInError):
    """A token is needed but nobody is signed in: ask the person to sign in explicitly."""


class SignInCancelled(EntraError):
    """The person cancelled sign-in. Not an error to show."""
