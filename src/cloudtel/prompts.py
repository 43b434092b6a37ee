"""Voice prompts: named recordings, one audio file per language.

A :class:`VoicePrompt` has a unique name (how schedules and other services refer to it),
a description (tip from the manual: the spoken text) and audio per language; the first
language is the default one. The audio is imported from a PCM WAV or AIFF file and
stored converted to G.711 A-law, 8 kHz, mono, in a WAV file (see :mod:`cloudtel.audio`).

The organisation keeps its prompts in a :class:`PromptLibrary` (``org.prompts``). The
org file lists each audio file by relative path with its SHA-256; the files themselves
live in the organisation's folder (``prompts/<name>.<language>.wav``) and are written by
``save`` and checked by ``load`` (a missing or altered file is reported).

A prompt that anything refers to (a schedule event's instruction, …) cannot be deleted:
:meth:`PromptLibrary.remove` asks ``org.referrers("prompt", name)``, which every part
answers from its ``references()``.

Recording by call ("Record the file" in the portal) needs a telephony backend plugin:
:meth:`PromptLibrary.record` asks the organisation's plugin services
(``org.services.record_prompt``, by default the ``cloudtel_record_prompt`` hook of the
installed plugins); the recorded audio then goes through the same import. cloudtel
itself places no calls.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from cloudtel import _html
from cloudtel._keyed import Keyed, unknown_key
from cloudtel._part import Blob, Part
from cloudtel._text import check_line, check_lines
from cloudtel.audio import import_audio, read_alaw_wav, wav_to_raw
from cloudtel.errors import (
    AudioFormatError,
    DuplicateError,
    InvalidValueError,
    NotFoundError,
    Problem,
    UnknownKeyError,
)
from cloudtel.services import RecordingRequest
from cloudtel.users import check_language

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "MAX_PROMPT_NAME_LENGTH",
    "PROMPT_FOLDER",
    "PromptAudio",
    "PromptLibrary",
    "VoicePrompt",
]

PROMPT_FOLDER = "prompts"
"""The folder, beside the org file, that holds the prompts' audio files."""

MAX_PROMPT_NAME_LENGTH = 100
"""The longest accepted prompt name, in characters."""

MAX_DESCRIPTION_LENGTH = 1000
"""The longest accepted prompt description, in characters."""

_SHA256 = re.compile(r"[0-9a-f]{64}")
_FILE = re.compile(rf"{PROMPT_FOLDER}/[a-z0-9][a-z0-9.-]*\.wav")


def _check_name(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(
            f"prompt name {value!r} is empty; give it a name such as 'welcome'",
            field="name",
            value=value,
        )
    check_line(value, "name", what="prompt name")
    if value != value.strip() or len(value) > MAX_PROMPT_NAME_LENGTH:
        raise InvalidValueError(
            f"prompt name {value!r} is not allowed: a name has 1 to {MAX_PROMPT_NAME_LENGTH} "
            "characters and no leading or trailing spaces",
            field="name",
            value=value,
        )


def _check_description(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION_LENGTH:
        raise InvalidValueError(
            f"prompt description is longer than {MAX_DESCRIPTION_LENGTH} characters",
            field="description",
            value=value,
        )
    check_lines(value, "description", what="prompt description")


def _check_language(_instance: object, _attribute: object, value: str) -> None:
    check_language(value)


def _check_file(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or _FILE.fullmatch(value) is None or ".." in value:
        raise InvalidValueError(
            f"prompt audio file {value!r} is not allowed: it must be "
            f"'{PROMPT_FOLDER}/<name>.wav' in lower-case letters, digits, '.' and '-'",
            field="file",
            value=value,
        )


def _check_sha256(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or _SHA256.fullmatch(value) is None:
        raise InvalidValueError(
            f"sha256 {value!r} is not 64 lower-case hexadecimal digits",
            field="sha256",
            value=value,
        )


def _check_samples(_instance: object, _attribute: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(
            f"samples must be a positive whole number, not {value!r}",
            field="samples",
            value=value,
        )


def _check_imported(_instance: object, _attribute: object, value: datetime | None) -> None:
    if value is not None and (
        not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None
    ):
        raise InvalidValueError(
            f"imported must be an aware date-time (UTC), not {value!r}",
            field="imported",
            value=value,
        )


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@attrs.frozen(kw_only=True)
class PromptAudio:
    """The audio of one prompt in one language: an A-law 8 kHz mono WAV file.

    Args:
        language (str): Language code, e.g. ``"nl"``, ``"fr"`` or ``"nl-BE"``.
        file (str): Path of the WAV file relative to the org file's folder,
            e.g. ``"prompts/vac-greeting.nl.wav"``.
        sha256 (str): SHA-256 of the file's content (checked on load).
        samples (int): Number of A-law samples (8000 per second).
        imported (datetime | None): When this audio was imported or recorded (aware,
            UTC); the date column of the portal's prompt list. ``None`` for audio from
            files written before cloudtel kept it.
    """

    language: str = attrs.field(validator=_check_language)
    file: str = attrs.field(validator=_check_file)
    sha256: str = attrs.field(validator=_check_sha256)
    samples: int = attrs.field(validator=_check_samples)
    imported: datetime | None = attrs.field(default=None, validator=_check_imported)

    @property
    def duration(self) -> float:
        """The length in seconds."""
        return self.samples / 8000


def _audio_tuple(values: Iterable[PromptAudio]) -> tuple[PromptAudio, ...]:
    return tuple(values)


def _check_audio(instance: VoicePrompt, _attribute: object, value: tuple[PromptAudio, ...]) -> None:
    if not value:
        raise InvalidValueError(
            f"prompt {instance.name!r} has no audio; a prompt has audio in at least one "
            "language (the first is the default)",
            field="audio",
            value=value,
        )
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, PromptAudio):
            raise InvalidValueError(
                f"prompt {instance.name!r}: audio must be PromptAudio, not {item!r}",
                field="audio",
                value=item,
            )
        if item.language in seen:
            raise DuplicateError(
                f"prompt {instance.name!r} has two audio files for language {item.language!r}",
                field="audio",
                value=item.language,
            )
        seen.add(item.language)


@attrs.frozen(kw_only=True)
class VoicePrompt:
    """A named voice prompt with audio in one or more languages.

    Args:
        name (str): Unique name that services use to refer to it, e.g. ``"Vac greeting"``.
        description (str): What it says (the manual's tip: the spoken text).
        audio (tuple[PromptAudio, ...]): One entry per language; the first is the default
            language. At least one; no language twice.
    """

    name: str = attrs.field(validator=_check_name)
    description: str = attrs.field(default="", validator=_check_description)
    audio: tuple[PromptAudio, ...] = attrs.field(converter=_audio_tuple, validator=_check_audio)

    @property
    def default_language(self) -> str:
        """The language of the first audio, played when no other language applies."""
        return self.audio[0].language

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages, the default first."""
        return tuple(item.language for item in self.audio)

    @property
    def updated(self) -> datetime | None:
        """When audio of the prompt was last imported or recorded (the portal's date
        column, e.g. ``27/05/2020 17:32``); ``None`` when no audio says."""
        known = [item.imported for item in self.audio if item.imported is not None]
        return max(known) if known else None

    def to_record(self) -> dict[str, object]:
        """The prompt as one plain ``dict`` (a row of the prompt table)."""
        return {
            "name": self.name,
            "description": self.description,
            "languages": ", ".join(self.languages),
            "default_language": self.default_language,
            "seconds": round(self.audio[0].duration, 2),
            "files": ", ".join(item.file for item in self.audio),
            "updated": None if self.updated is None else self.updated.isoformat(),
        }

    def __str__(self) -> str:
        seconds = self.audio[0].duration
        return f"{self.name!r} ({', '.join(self.languages)}; {seconds:.1f} s)"

    def _repr_html_(self) -> str:
        rows = [
            {
                "language": item.language,
                "seconds": round(item.duration, 2),
                "file": item.file,
                "sha256": item.sha256[:12] + "…",
            }
            for item in self.audio
        ]
        values = {"description": self.description, "default language": self.default_language}
        return _html.fields(f"Voice prompt {self.name}", values, extra=_html.table(rows))

    def audio_for(self, language: str | None = None) -> PromptAudio:
        """The audio in ``language`` (the default language when None).

        Raises:
            NotFoundError: When the prompt has no audio in that language.
        """
        if language is None:
            return self.audio[0]
        for item in self.audio:
            if item.language == language:
                return item
        raise NotFoundError(
            f"prompt {self.name!r} has no audio in language {language!r}; it has: "
            f"{', '.join(self.languages)}",
            kind="prompt audio",
            name=self.name,
            language=language,
        )


def _prompt_tuple(values: Iterable[VoicePrompt]) -> tuple[VoicePrompt, ...]:
    return tuple(values)


def _slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60].strip("-") or "prompt"


@attrs.define(repr=False)
class PromptLibrary(Keyed[VoicePrompt], Part):
    """The voice prompts of an organisation (saved under ``prompts`` in the org file).

    Keyed by name (see :class:`~cloudtel.Keyed`): ``org.prompts["Vac greeting"]``,
    ``"Vac greeting" in org.prompts``, ``org.prompts[0]``; a table in Jupyter.

    Invariants, checked on every change: names are unique (ignoring case), each prompt
    has audio in at least one language and no language twice, and a prompt that
    anything refers to is not deleted.

    Args:
        prompts (tuple[VoicePrompt, ...]): The prompts, in the order they were added.
    """

    prompts: tuple[VoicePrompt, ...] = attrs.field(default=(), converter=_prompt_tuple)
    _data: dict[str, bytes] = attrs.field(init=False, factory=dict, eq=False, repr=False)
    """Audio imported in this session, by file path, until ``save`` writes it."""
    clock: Callable[[], datetime] = attrs.field(init=False, default=_utcnow, eq=False, repr=False)
    """Gives the import time of new audio (aware, UTC); not saved. Tests set a fixed one."""

    def __iter__(self) -> Iterator[VoicePrompt]:
        return iter(self.prompts)

    def __len__(self) -> int:
        return len(self.prompts)

    _columns = (
        "name",
        "description",
        "languages",
        "default_language",
        "seconds",
        "files",
        "updated",
    )
    _noun = "prompt"

    def _items(self) -> tuple[VoicePrompt, ...]:
        return self.prompts

    def _lookup(self, key: Any) -> VoicePrompt | None:
        for prompt in self.prompts:
            if prompt.name == key:
                return prompt
        return None

    def _unknown(self, key: Any, *, shown: str | None = None) -> UnknownKeyError:
        return unknown_key("voice prompt", key, self.names())

    def _key(self, item: VoicePrompt) -> str:
        return item.name

    def _row(self, item: VoicePrompt) -> dict[str, object]:
        return item.to_record()

    def __repr__(self) -> str:
        return f"<PromptLibrary: {self}>"

    def names(self) -> tuple[str, ...]:
        """The prompts' names, in order."""
        return tuple(p.name for p in self.prompts)

    def find(self, name: str) -> VoicePrompt:
        """The prompt called ``name`` (exact spelling); ``org.prompts[name]`` too.

        :meth:`~cloudtel.Keyed.get` gives ``None`` instead of raising.

        Raises:
            UnknownKeyError: When there is no such prompt (a :class:`KeyError`, and a
                :class:`~cloudtel.NotFoundError`); names the closest name and the prompts.
        """
        return self._find(name)

    # --- changes -------------------------------------------------------------

    def add(
        self,
        name: str,
        audio: bytes,
        *,
        language: str | None = None,
        description: str = "",
    ) -> VoicePrompt:
        """Create a prompt from a PCM WAV/AIFF file; its language becomes the default.

        The audio is converted to A-law, 8 kHz, mono (:func:`cloudtel.audio.import_audio`).

        Args:
            name (str): Unique name, e.g. ``"Vac greeting"``.
            audio (bytes): The content of a PCM ``.wav``, ``.aiff`` or ``.aifc`` file.
            language (str | None): Its language; the organisation's language when None.
            description (str): What the prompt says.

        Returns:
            VoicePrompt: The new prompt.

        Raises:
            DuplicateError: A prompt with that name (ignoring case) exists.
            AudioFormatError: The audio is not a file we accept.
            InvalidValueError: The name, description or language is not valid.
        """
        lang = check_language(language if language is not None else self._org_language())
        _check_name(None, None, name)
        _check_description(None, None, description)
        self._check_unique(name)
        wav = import_audio(audio)
        prompt = VoicePrompt(
            name=name, description=description, audio=(self._store(name, lang, wav),)
        )
        self.prompts = (*self.prompts, prompt)
        return prompt

    def set_audio(self, name: str, audio: bytes, *, language: str | None = None) -> VoicePrompt:
        """Add a language to a prompt, or replace the audio of one it has.

        Args:
            name (str): The prompt.
            audio (bytes): The content of a PCM ``.wav``, ``.aiff`` or ``.aifc`` file.
            language (str | None): The language; the prompt's default language when None.

        Returns:
            VoicePrompt: The changed prompt.

        Raises:
            NotFoundError: No such prompt.
            AudioFormatError: The audio is not a file we accept.
            InvalidValueError: The language is not a language code.
        """
        prompt = self.find(name)
        lang = check_language(language if language is not None else prompt.default_language)
        stored = self._store(name, lang, import_audio(audio))
        if lang in prompt.languages:
            items = tuple(stored if a.language == lang else a for a in prompt.audio)
        else:
            items = (*prompt.audio, stored)
        return self._replace(prompt, attrs.evolve(prompt, audio=items))

    def remove_language(self, name: str, language: str) -> VoicePrompt:
        """Remove one language of a prompt; removing the default makes the next one default.

        Raises:
            NotFoundError: No such prompt, or it has no audio in that language.
            InvalidValueError: It is the prompt's only language (delete the prompt instead).
        """
        prompt = self.find(name)
        prompt.audio_for(language)
        if len(prompt.audio) == 1:
            raise InvalidValueError(
                f"cannot remove language {language!r}: it is the only audio of prompt "
                f"{name!r}; delete the prompt instead",
                field="audio",
                value=language,
            )
        items = tuple(a for a in prompt.audio if a.language != language)
        return self._replace(prompt, attrs.evolve(prompt, audio=items))

    def set_default_language(self, name: str, language: str) -> VoicePrompt:
        """Make ``language`` the prompt's default language (move its audio first).

        Raises:
            NotFoundError: No such prompt, or it has no audio in that language.
        """
        prompt = self.find(name)
        first = prompt.audio_for(language)
        items = (first, *(a for a in prompt.audio if a.language != language))
        return self._replace(prompt, attrs.evolve(prompt, audio=items))

    def describe(self, name: str, description: str) -> VoicePrompt:
        """Change a prompt's description.

        Raises:
            NotFoundError: No such prompt.
            InvalidValueError: The description is too long or has control characters.
        """
        prompt = self.find(name)
        return self._replace(prompt, attrs.evolve(prompt, description=description))

    def remove(self, name: str) -> VoicePrompt:
        """Delete a prompt, unless anything refers to it.

        Its audio files stay in the organisation's folder (``save`` never deletes files).

        Returns:
            VoicePrompt: The deleted prompt.

        Raises:
            NotFoundError: No such prompt.
            ReferencedError: Something refers to it; ``context["referrers"]`` lists what
                (e.g. ``"schedule of 5901 'Nederlands Orange labo', event 'newyear'"``).
        """
        prompt = self.find(name)
        if self._org is not None:
            self.org.check_unreferenced("prompt", name)
        self.prompts = tuple(p for p in self.prompts if p.name != name)
        for item in prompt.audio:
            self._data.pop(item.file, None)
        return prompt

    def record(self, name: str, username: str, *, language: str | None = None) -> VoicePrompt:
        """Record a prompt's audio by having a telephony backend call a user.

        The organisation's plugin services (``org.services``; by default the backend
        plugin of hook ``cloudtel_record_prompt``) call the user, who speaks the prompt;
        the recording then goes through the same import as a file. cloudtel ships no
        backend that places calls.

        Args:
            name (str): An existing prompt (create it with :meth:`add` first, or it is
                created with an empty description and this language as default).
            username (str): The user to call.
            language (str | None): The language recorded; the prompt's default language
                (or the organisation's language for a new prompt) when None.

        Returns:
            VoicePrompt: The prompt with the recorded audio.

        Raises:
            NotFoundError: No such user.
            PluginError: No installed backend records prompts, or it failed.
            AudioFormatError: The backend returned audio we do not accept.
        """
        org = self.org
        user = org.user(username)
        existing = self.find(name) if name in self else None
        if language is not None:
            lang = check_language(language)
        elif existing is not None:
            lang = existing.default_language
        else:
            lang = check_language(org.language)
        if existing is None:
            self._check_unique(name)
        request = RecordingRequest(
            organization=org.name,
            domain=org.domain,
            prompt=name,
            description=existing.description if existing is not None else "",
            language=lang,
            username=user.username,
            number=user.primary_line,
        )
        audio = org.services.record_prompt(request)
        try:
            if existing is None:
                return self.add(name, audio, language=lang)
            return self.set_audio(name, audio, language=lang)
        except AudioFormatError as exc:
            raise AudioFormatError(
                f"the recording backend returned audio we cannot import: {exc.message}",
                **exc.context,
            ) from exc

    # --- audio ---------------------------------------------------------------

    def audio_data(self, name: str, language: str | None = None) -> bytes | None:
        """The A-law WAV bytes of a prompt imported in this session, if held in memory.

        Audio of a loaded organisation lives in its folder, at ``audio_for(lang).file``
        relative to the org file; this returns None for it.

        Raises:
            NotFoundError: No such prompt or language.
        """
        return self._data.get(self.find(name).audio_for(language).file)

    @staticmethod
    def raw_alaw(wav: bytes) -> bytes:
        """Headerless A-law (``.al``) from a stored prompt WAV file, for Asterisk-family PBXs.

        Raises:
            AudioFormatError: ``wav`` is not an 8 kHz mono A-law WAV file.
        """
        return wav_to_raw(wav)

    # --- Part hooks ------------------------------------------------------------

    def blobs(self) -> Mapping[str, Blob]:
        """The prompts' audio files, with the data of those imported in this session."""
        return {
            item.file: Blob(item.sha256, self._data.get(item.file))
            for prompt in self.prompts
            for item in prompt.audio
        }

    def problems(self) -> Iterator[Problem]:
        """Duplicate names (ignoring case) and audio files shared by two prompts."""
        names: dict[str, str] = {}
        files: dict[str, str] = {}
        for index, prompt in enumerate(self.prompts):
            path = f"prompts.prompts[{index}]"
            key = prompt.name.casefold()
            if key in names:
                yield Problem(
                    f"{path}.name",
                    f"prompt name {prompt.name!r} is used twice (also {names[key]!r})",
                )
            names.setdefault(key, prompt.name)
            for number, item in enumerate(prompt.audio):
                other = files.get(item.file)
                if other is not None:
                    yield Problem(
                        f"{path}.audio[{number}].file",
                        f"file {item.file!r} is also the audio of {other}",
                    )
                files.setdefault(item.file, f"prompt {prompt.name!r} ({item.language})")

    # --- private -------------------------------------------------------------

    def _org_language(self) -> str:
        return self.org.language if self._org is not None else "nl"

    def _check_unique(self, name: str) -> None:
        for prompt in self.prompts:
            if prompt.name.casefold() == name.casefold():
                raise DuplicateError(
                    f"a voice prompt named {prompt.name!r} exists already; prompt names are "
                    "unique (ignoring case)",
                    field="name",
                    value=name,
                )

    def _file_for(self, name: str, language: str) -> str:
        """``prompts/<slug>.<language>.wav``, made unique against other prompts' files."""
        taken = {
            item.file: prompt.name
            for prompt in self.prompts
            if prompt.name != name
            for item in prompt.audio
        }
        base = f"{_slug(name)}.{language.lower()}"
        candidate, counter = f"{PROMPT_FOLDER}/{base}.wav", 2
        while candidate in taken:
            candidate = f"{PROMPT_FOLDER}/{base}-{counter}.wav"
            counter += 1
        return candidate

    def _store(self, name: str, language: str, wav: bytes) -> PromptAudio:
        blob = Blob.of(wav)
        file = self._file_for(name, language)
        self._data[file] = wav
        return PromptAudio(
            language=language,
            file=file,
            sha256=blob.sha256,
            samples=read_alaw_wav(wav).size,
            imported=self.clock(),
        )

    def _replace(self, old: VoicePrompt, new: VoicePrompt) -> VoicePrompt:
        self.prompts = tuple(new if p is old else p for p in self.prompts)
        return new
