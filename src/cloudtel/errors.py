"""Every exception cloudtel raises, in one tree.

::

    CloudtelError
    ├── InvalidValueError(ValueError)         a value that breaks a rule
    │   ├── InvalidPhoneNumberError           not a valid phone number
    │   ├── NumberNotAvailableError           outside the ranges, or held already
    │   ├── DuplicateError                    a name or number used twice
    │   ├── ReferencedError                   still referred to: cannot delete
    │   ├── MandatoryContactError             a mandatory contact cannot be hidden
    │   ├── AudioFormatError                  audio we do not accept
    │   ├── ScheduleError                     an event or time definition is wrong
    │   ├── KeyLayoutError                    a key outside the phone model's keys
    │   ├── ConfigParseError                  a phone configuration we cannot read
    │   ├── CredentialPolicyError             a password or PIN the policy refuses
    │   └── AccountDisableError               a run would take phones' accounts away
    ├── NotFoundError(LookupError)            no such user, group, prompt, phone …
    │   └── UnknownKeyError(KeyError)         collection[key]: no item has that key
    ├── FileProblemsError(ValueError)         a file has problems; .problems lists all
    ├── ConflictError                         the file changed on disk since it was loaded
    ├── AccessDeniedError(PermissionError)    not allowed: authentication, admin view
    │   └── AccountLockedError                too many failed logins
    ├── PluginError                           a plugin is missing, broken or failed
    │   └── DriverNotFoundError(LookupError)  no driver for that phone family or model
    └── DeliveryError                         a message, NOTIFY or transport failed

Every error carries its context as keyword arguments (``field=``, ``value=``,
``path=``, ``row=`` …), kept on :attr:`CloudtelError.context`, and its message
says what was wrong, where, and what is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

__all__ = [
    "AccessDeniedError",
    "AccountDisableError",
    "AccountLockedError",
    "AudioFormatError",
    "CloudtelError",
    "ConfigParseError",
    "ConflictError",
    "CredentialPolicyError",
    "DeliveryError",
    "DriverNotFoundError",
    "DuplicateError",
    "FileProblemsError",
    "InvalidPhoneNumberError",
    "InvalidValueError",
    "KeyLayoutError",
    "MandatoryContactError",
    "NotFoundError",
    "NumberNotAvailableError",
    "PluginError",
    "Problem",
    "ReferencedError",
    "ScheduleError",
    "UnknownKeyError",
]


class CloudtelError(Exception):
    """The root of every error cloudtel raises.

    Args:
        message (str): What was wrong, where, and what is allowed.
        **context: Where it happened (``field``, ``value``, ``path``, ``row``, …);
            kept in :attr:`context`.
    """

    def __init__(self, message: str, /, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context: dict[str, Any] = context

    def __str__(self) -> str:
        return self.message


class InvalidValueError(CloudtelError, ValueError):
    """A value breaks a rule of the domain (a field, a number, a name)."""


class InvalidPhoneNumberError(InvalidValueError):
    """The text is not a valid phone number; the message shows the input."""


class NumberNotAvailableError(InvalidValueError):
    """A line number is outside the organisation's ranges or held by someone else."""


class DuplicateError(InvalidValueError):
    """A name, username, number or address that must be unique is used twice."""


class ReferencedError(InvalidValueError):
    """An object cannot be deleted while others refer to it.

    ``context["referrers"]`` lists who refers to it.
    """


class MandatoryContactError(InvalidValueError):
    """A mandatory contact cannot be hidden or removed by a user."""


class AudioFormatError(InvalidValueError):
    """An audio file is not one we accept; says what was found and what is accepted."""


class ScheduleError(InvalidValueError):
    """A schedule event or time definition is not valid."""


class KeyLayoutError(InvalidValueError):
    """A key position or key kind that the phone model does not have."""


class ConfigParseError(InvalidValueError):
    """A phone configuration file that cannot be read back (names the line)."""


class CredentialPolicyError(InvalidValueError):
    """A password or PIN that the documented policy refuses."""


class AccountDisableError(InvalidValueError):
    """A provisioning run would write phones without the account they have now.

    Refused unless asked for explicitly (``allow_disable=True``, ``--allow-disable``):
    such a phone stops registering. The message names every phone and why.
    """


class NotFoundError(CloudtelError, LookupError):
    """No object of that kind by that name (user, group, prompt, phone, …)."""


class UnknownKeyError(NotFoundError, KeyError):
    """``collection[key]`` where no item of the collection has that key.

    A :class:`KeyError` too, as for a :class:`dict`: ``org.users["nobody@orange.be"]``,
    ``org.phones["08:00:0f:00:00:01"]``. The message names the key, the closest key
    there is (``context["closest"]``, or None) and the keys there are.
    """


@attrs.frozen
class Problem:
    """One problem found in a file or an object: where it is and what is wrong.

    Args:
        path (str): Where, as a path into the file, e.g. ``users[12].mobile_phones[0].number``.
        message (str): What is wrong.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class FileProblemsError(CloudtelError, ValueError):
    """A file (or a batch of input) has problems; :attr:`problems` lists every one.

    Args:
        source (str): The file or input the problems are in.
        problems (Sequence[Problem]): All problems found, not only the first.
    """

    def __init__(self, source: str, problems: Sequence[Problem], /, **context: Any) -> None:
        self.source = source
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        if count == 1:  # one line, e.g. "org.toml: cannot read: No such file or directory"
            message = f"{source}: {self.problems[0]}"
        else:
            lines = "\n".join(f"  {problem}" for problem in self.problems)
            message = f"{source}: {count} problems\n{lines}"
        super().__init__(message, source=source, **context)


class ConflictError(CloudtelError):
    """The file changed on disk since it was loaded; saving would overwrite that edit."""


class AccessDeniedError(CloudtelError, PermissionError):
    """Not allowed: wrong credentials, no admin role, or admin view not entered."""


class AccountLockedError(AccessDeniedError):
    """Too many failed logins for this account; try again later."""


class PluginError(CloudtelError):
    """A plugin could not be loaded, or failed while doing its work."""


class DriverNotFoundError(PluginError, LookupError):
    """No installed driver handles that phone family or model."""


class DeliveryError(CloudtelError):
    """A message, SIP NOTIFY or other delivery failed."""
