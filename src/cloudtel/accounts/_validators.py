"""attrs validators shared by the modules of :mod:`cloudtel.accounts`."""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from cloudtel.errors import InvalidValueError

__all__ = ["between", "sha256_digest"]


def between(low: int, high: int) -> Callable[[object, attrs.Attribute[int], int], None]:
    """A validator accepting whole numbers from ``low`` to ``high`` (not booleans)."""

    def check(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidValueError(
                f"{attribute.name} must be a whole number from {low} to {high}, not {value!r}",
                field=attribute.name,
                value=value,
            )

    return check


_DIGEST = re.compile(r"[0-9a-f]{64}")


def sha256_digest(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    """A validator accepting a hex SHA-256: 64 lower-case hex digits."""
    if not isinstance(value, str) or _DIGEST.fullmatch(value) is None:
        raise InvalidValueError(
            f"{attribute.name} must be 64 lower-case hex digits (a SHA-256)", field=attribute.name
        )
