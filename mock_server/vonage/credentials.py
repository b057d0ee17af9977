"""Where credentials come from: the Basic header, the query string or the form body.

Official clients differ (BEHAVIOUR.md): Python 4.x and Node send only `Authorization: Basic`,
legacy nexmo sends the query on GET and the form body on POST, the CLI sends the query always.
"""

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Credentials:
    api_key: str | None
    api_secret: str | None


def from_basic_header(authorization: str | None) -> Credentials | None:
    """`Basic base64(key:secret)`, or None when the header is absent, not Basic, or malformed."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, colon, secret = decoded.partition(":")
    return Credentials(key, secret) if colon else None


def credentials(authorization: str | None, params: Mapping[str, str]) -> Credentials:
    """The credentials a request carries: the Basic header first, then the parameters."""
    return from_basic_header(authorization) or Credentials(
        params.get("api_key"), params.get("api_secret")
    )
