"""cloudtel: administer a hosted business telephone system from Python.

Import everything from here; what ``__all__`` lists is the public API.
"""

from __future__ import annotations

import importlib.metadata

from cloudtel.audio import (
    PcmAudio,
    alaw_decode,
    alaw_encode,
    import_audio,
    read_aiff,
    read_alaw_wav,
    read_audio,
    read_wav,
    wav_to_raw,
    write_alaw_wav,
)
from cloudtel.devices import (
    Directory,
    DirectoryEntry,
    DirectoryNumber,
    EmptyKey,
    ExtensionKey,
    KeyLayout,
    KeyPosition,
    KeySet,
    LineKey,
    MacAddress,
    ParsedConfig,
    PhoneContext,
    PhoneModel,
    PhoneNumberKey,
    Phones,
    RenderedFile,
    SipAccount,
    SipPhone,
)
from cloudtel.errors import (
    AccessDeniedError,
    AccountLockedError,
    AudioFormatError,
    CloudtelError,
    ConfigParseError,
    ConflictError,
    CredentialPolicyError,
    DeliveryError,
    DriverNotFoundError,
    DuplicateError,
    FileProblemsError,
    InvalidPhoneNumberError,
    InvalidValueError,
    KeyLayoutError,
    MandatoryContactError,
    NotFoundError,
    NumberNotAvailableError,
    PluginError,
    Problem,
    ReferencedError,
    ScheduleError,
)
from cloudtel.numbers import NumberRange, PhoneNumber
from cloudtel.org import Blob, Organization, Part, Reference, UserPage
from cloudtel.prompts import PromptAudio, PromptLibrary, RecordingRequest, VoicePrompt
from cloudtel.serialization import dumps, load, loads, save
from cloudtel.users import MobilePhone, ResolvedSetting, Settings, User, UserGroup, Visibility

__all__ = [
    "AccessDeniedError",
    "AccountLockedError",
    "AudioFormatError",
    "Blob",
    "CloudtelError",
    "ConfigParseError",
    "ConflictError",
    "CredentialPolicyError",
    "DeliveryError",
    "Directory",
    "DirectoryEntry",
    "DirectoryNumber",
    "DriverNotFoundError",
    "DuplicateError",
    "EmptyKey",
    "ExtensionKey",
    "FileProblemsError",
    "InvalidPhoneNumberError",
    "InvalidValueError",
    "KeyLayout",
    "KeyLayoutError",
    "KeyPosition",
    "KeySet",
    "LineKey",
    "MacAddress",
    "MandatoryContactError",
    "MobilePhone",
    "NotFoundError",
    "NumberNotAvailableError",
    "NumberRange",
    "Organization",
    "ParsedConfig",
    "Part",
    "PcmAudio",
    "PhoneContext",
    "PhoneModel",
    "PhoneNumber",
    "PhoneNumberKey",
    "Phones",
    "PluginError",
    "Problem",
    "PromptAudio",
    "PromptLibrary",
    "RecordingRequest",
    "Reference",
    "ReferencedError",
    "RenderedFile",
    "ResolvedSetting",
    "ScheduleError",
    "Settings",
    "SipAccount",
    "SipPhone",
    "User",
    "UserGroup",
    "UserPage",
    "Visibility",
    "VoicePrompt",
    "alaw_decode",
    "alaw_encode",
    "dumps",
    "import_audio",
    "load",
    "loads",
    "read_aiff",
    "read_alaw_wav",
    "read_audio",
    "read_wav",
    "save",
    "wav_to_raw",
    "write_alaw_wav",
]


def __getattr__(name: str) -> str:
    if name == "__version__":
        return importlib.metadata.version("cloudtel")
    raise AttributeError(f"module 'cloudtel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
