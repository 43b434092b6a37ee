"""Every pluggy hook cloudtel defines, one banner section per capability.

Plugins implement hooks with the :data:`hookimpl` marker (also exported as
``cloudtel.hookimpl``) and are found through the entry-point groups
``cloudtel.drivers`` (phone drivers) and ``cloudtel.plugins`` (everything else).
Callers never use ``pm.hook`` directly; :mod:`cloudtel.plugins` is the typed facade.
A hook implementation whose name is not a hook below is an error when the plugin is
registered (a misspelt name would otherwise never be called).

This module imports nothing of cloudtel at run time; the types in the signatures come
from low modules (devices, :mod:`cloudtel.messaging.transport`, :mod:`cloudtel.services`).

Each hook is documented in ``docs/hooks.md`` and tested by a test named
``test_hook_<name>``; a meta test checks both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from cloudtel.devices import (
        Directory,
        ParsedConfig,
        PhoneContext,
        PhoneModel,
        RenderedFile,
        SipPhone,
    )
    from cloudtel.errors import CloudtelError
    from cloudtel.messaging.transport import TransportSpec
    from cloudtel.services import RecordingRequest

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "cloudtel"
"""The pluggy project name."""

hookspec = pluggy.HookspecMarker(PROJECT)
"""Marks a hook specification in this module."""

hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a plugin's hook implementation: ``@cloudtel.hookimpl``."""


# ===========================================================================
# Phone drivers
# ===========================================================================
#
# A driver handles one phone family (``"mitel"``, ``"yealink"``, …). It lists its
# models and, for a phone whose model is of its family, renders the configuration
# files and the directory, renders the files its phones share (once per folder), and
# parses a configuration back. A driver answers
# ``None`` for a model of another family, so the first driver that answers wins.


@hookspec
def cloudtel_phone_models() -> Sequence[PhoneModel]:  # type: ignore[empty-body]
    """List the phone models this driver handles, with their key capacities.

    Every model's ``family`` is the driver's family; a family is handled by one
    driver only (two drivers claiming a family is a :class:`~cloudtel.errors.PluginError`).

    Returns:
        The driver's models, each with a source for every count.
    """


@hookspec(firstresult=True)
def cloudtel_render_phone(
    phone: SipPhone, model: PhoneModel, context: PhoneContext
) -> Sequence[RenderedFile] | None:
    """Render a phone's configuration files.

    The core checks the layout against the model (:func:`cloudtel.devices.check_layout`)
    before calling. The driver writes the phone's account(s) from ``context.accounts``,
    every key of the layout and an explicit reset for every other key of the model
    (and of each attached expansion module), and, when ``context.server_url`` is set,
    the setting that points the phone at its directory.

    Args:
        phone: The phone.
        model: The phone's model (``model.family`` says whether this driver answers).
        context: Accounts, colleague names and the provisioning server's URL.

    Returns:
        The files, the phone's main configuration file first; ``None`` when
        ``model.family`` is not this driver's.

    Raises:
        InvalidValueError: When a value cannot be written safely in the format
            (the driver's docs state its escaping and rejection rules).
    """


@hookspec(firstresult=True)
def cloudtel_render_phones(
    phones: Sequence[SipPhone], model: PhoneModel, contexts: Sequence[PhoneContext]
) -> Sequence[Sequence[RenderedFile] | CloudtelError] | None:
    """Render the configuration files of many phones of one model: one call per batch.

    Provisioning renders an organisation's phones in batches (the phones of one model,
    a few hundred at a time) through this hook, so a driver works out once what the
    phones share and pluggy is called once per batch, not once per phone. A wrapper or
    a monitor (``pm.add_hookcall_monitoring``) sees every phone: each is in the
    ``phones`` of exactly one call. Each phone's files must be exactly what
    :func:`cloudtel_render_phone` gives for it. The core checks each layout before
    (a phone whose layout does not fit is left out of the batch).

    A driver need not implement it: when no plugin answers, and whenever a plugin
    other than the one answering this hook implements or wraps
    :func:`cloudtel_render_phone`, the core renders each phone through
    :func:`cloudtel_render_phone` instead, so such a plugin still sees (and may
    change) every phone. :class:`cloudtel.driverkit.FamilyDriver` implements both.

    Args:
        phones: The phones, all of ``model``.
        model: Their model (``model.family`` says whether this driver answers).
        contexts: Each phone's context, in the order of ``phones``.

    Returns:
        Per phone, in order, its files (the main configuration file first), or the
        :class:`~cloudtel.errors.InvalidValueError` (any
        :class:`~cloudtel.errors.CloudtelError`) that :func:`cloudtel_render_phone`
        would raise for it: one phone that cannot be written does not stop the batch.
        ``None`` when ``model.family`` is not this driver's.
    """


@hookspec(firstresult=True)
def cloudtel_render_directory(
    phone: SipPhone | None, model: PhoneModel, directory: Directory, context: PhoneContext
) -> Sequence[RenderedFile] | None:
    """Render a directory in the family's XML format.

    Provisioning renders directories *shared* by many phones: the organisation's
    directory once per family, and each distinct contacts list once (see
    :class:`cloudtel.directory.SharedDirectories`). Then ``phone`` is ``None`` and
    ``directory.name`` (e.g. ``"directory/mitel-org"``) names the files: every path
    starts with it, the driver adds its page numbers and suffix. The phone's own
    configuration (:func:`cloudtel_render_phone`) finds the same names in
    ``context.directories`` and points the phone at the first file of each. A format
    that pages (Mitel's 10 000-byte objects, a large organisation on a Yealink) links
    the pages; ``context.server_url`` makes the links absolute, and
    ``context.directories`` lists the directories the phones that fetch this one
    show, so a format that can show only one directory can link to the others.

    ``phone`` is a phone and ``directory.name`` is "" when one phone's own directory
    is asked for (:func:`cloudtel.phone_directory`): its files are named after the
    phone, as before shared directories.

    Args:
        phone: The phone whose own directory it is, or ``None`` for a shared one.
        model: The model of the phone(s) that show it.
        directory: The entries to show, in order, and the name of a shared directory.
        context: The provisioning server's URL and the phones' directory links.

    Returns:
        The directory file(s) (several when the format pages); ``None`` when
        ``model.family`` is not this driver's.
    """


@hookspec(firstresult=True)
def cloudtel_common_files(
    models: Sequence[PhoneModel], context: PhoneContext
) -> Sequence[RenderedFile] | None:
    """Render the files a family's phones share, written once per provisioning folder.

    Some phones fetch a common file before their own (a Mitel asks for ``startup.cfg``
    or ``aastra.cfg`` and may not go on without it; a Yealink asks for its model's
    ``y0000000000XX.cfg``). The core calls this once per family present in the folder,
    with the models of that family's phones, after rendering the phones. The files
    carry what is the same for every phone: the organisation's time zone, time server,
    date format and pickup code.

    Args:
        models: The models of the folder's phones of one family (each once).
        context: The organisation's settings: no accounts, the organisation's
            language, ``time_rule``, ``ntp_server``, ``date_format``, ``pickup_code``,
            ``server_url``.

    Returns:
        The common files (an empty sequence when the family has none); ``None`` when
        no model in ``models`` is of this driver's family.

    Raises:
        InvalidValueError: When a value cannot be written safely in the format.
    """


@hookspec(firstresult=True)
def cloudtel_parse_config(model: PhoneModel, text: str) -> ParsedConfig | None:
    """Read a phone configuration file back into account 1 and a key layout.

    Must read what :func:`cloudtel_render_phone` writes
    (``parse(render(phone))`` gives the same layout and account) and configurations
    written by hand or by other systems (comments, spacing, unknown parameters).

    Args:
        model: The phone's model (its family says whether this driver answers).
        text: The configuration file's text.

    Returns:
        The account and layout; ``None`` when ``model.family`` is not this driver's.

    Raises:
        ConfigParseError: Naming the line and what was wrong with it.
    """


# ===========================================================================
# Message transports
# ===========================================================================
#
# A transport sends messages (welcome messages, new passwords and PINs, reset
# links) by e-mail or SMS. cloudtel's own transports (``outbox``, ``smtp``,
# ``sms-http``) are registered through this same hook.


@hookspec
def cloudtel_message_transports() -> Sequence[TransportSpec]:  # type: ignore[empty-body]
    """List the message transports this plugin offers.

    Each :class:`~cloudtel.messaging.TransportSpec` names the transport (unique
    across plugins: two plugins offering one name is a
    :class:`~cloudtel.errors.PluginError`), the channels it sends (e-mail, SMS),
    the settings it takes, and a ``create(settings)`` that builds a
    :class:`~cloudtel.messaging.Transport` from text settings. The transport's
    ``send(message)`` returns a :class:`~cloudtel.messaging.Receipt` or raises
    :class:`~cloudtel.errors.DeliveryError` saying why the message was not accepted.

    Returns:
        The plugin's transport specs.
    """


# ===========================================================================
# Voice prompt recording
# ===========================================================================
#
# The portal's "Record the file": the system calls a user, who speaks the prompt.
# cloudtel places no calls itself and ships no backend that does; a telephony
# backend plugin (for the PBX or SIP platform at hand) implements this hook. The
# audio it returns goes through the same import as an uploaded file.


@hookspec(firstresult=True)
def cloudtel_record_prompt(request: RecordingRequest) -> bytes | None:
    """Record a voice prompt by calling a user; return the recording.

    Called by :meth:`cloudtel.prompts.PromptLibrary.record` (through the organisation's
    plugin services, by default :func:`cloudtel.plugins.record_prompt`). When no plugin
    answers, cloudtel's own stub (asked last) raises a
    :class:`~cloudtel.errors.PluginError` saying none is installed. The backend calls
    ``request.number`` (the user's primary line) or however it reaches
    ``request.username``, plays its instructions (it may read out
    ``request.description``), records, and returns when the recording is done. It may
    block for the length of the call.

    Args:
        request (RecordingRequest): The organisation, prompt, language and user to call.

    Returns:
        The recording as the bytes of a PCM ``.wav`` or ``.aiff`` file (any accepted rate
        and channel count: it is converted to A-law 8 kHz mono like an upload), or
        ``None`` when this plugin does not handle the request (the next one is asked).

    Raises:
        PluginError: The call could not be placed, was not answered, or nothing was
            recorded; the message says which.
    """
