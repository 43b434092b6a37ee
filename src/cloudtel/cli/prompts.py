"""The ``cloudtel prompts`` commands (list, import, delete and export voice prompts) and
``cloudtel prompt attach`` (a prompt played by a schedule event, through
:mod:`cloudtel.cli.edit`).

Registered in :data:`cloudtel.cli.COMMANDS` through :func:`add_prompts_commands`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from cloudtel._files import atomic_write, read_bounded
from cloudtel.audio import MAX_AUDIO_BYTES, wav_to_raw
from cloudtel.cli.edit import Outcome, add_edit_command
from cloudtel.cli.table import say as _print
from cloudtel.cli.table import table
from cloudtel.errors import InvalidValueError
from cloudtel.org import Organization
from cloudtel.serialization import load, save

__all__ = ["add_prompts_commands"]


# --- voice prompts -------------------------------------------------------------

_PROMPTS_USAGE = (
    "cloudtel prompts FILE\n"
    "       cloudtel prompts import FILE NAME AUDIO [--language L] [--description TEXT]\n"
    "       cloudtel prompts delete FILE NAME [--language L]\n"
    "       cloudtel prompts export FILE NAME OUT [--language L]"
)


def _prompts(args: argparse.Namespace) -> int:
    words: list[str] = args.words
    action = words[0] if words[0] in ("import", "delete", "export") else "list"
    operands = words[1:] if action != "list" else words
    wanted = {"list": 1, "import": 3, "delete": 2, "export": 3}[action]
    if len(operands) != wanted:
        args.prompts_parser.error(
            f"'prompts {action if action != 'list' else ''}' takes {wanted} argument(s), "
            f"got {len(operands)}: {' '.join(operands) or 'none'}"
        )
    if action == "list" and (args.language or args.description):
        args.prompts_parser.error("--language and --description go with 'prompts import'")
    run: dict[str, Callable[..., int]] = {
        "list": _prompts_list,
        "import": _prompts_import,
        "delete": _prompts_delete,
        "export": _prompts_export,
    }
    return run[action](args, *operands)


def _prompts_list(args: argparse.Namespace, file: str) -> int:
    org = load(file)
    zone = ZoneInfo(org.time_zone)
    rows = [
        (
            prompt.name,
            ", ".join(
                f"{a.language}{'*' if i == 0 else ''} {a.duration:.1f}s"
                for i, a in enumerate(prompt.audio)
            ),
            prompt.description,
            "" if prompt.updated is None else f"{prompt.updated.astimezone(zone):%d/%m/%Y %H:%M}",
        )
        for prompt in org.prompts
    ]
    _print(table(rows, ("Name", "Audio (* default language)", "Description", "Date")))
    _print(f"{len(rows)} voice prompts")
    return 0


def _prompts_import(args: argparse.Namespace, file: str, name: str, audio: str) -> int:

    org = load(file)
    data = read_bounded(audio, limit=MAX_AUDIO_BYTES, what="audio file")
    if name in org.prompts:
        prompt = org.prompts.set_audio(name, data, language=args.language)
        if args.description is not None:
            prompt = org.prompts.describe(name, args.description)
        verb = "updated"
    else:
        prompt = org.prompts.add(
            name, data, language=args.language, description=args.description or ""
        )
        verb = "created"
    stored = prompt.audio_for(args.language)
    save(org, file)
    _print(
        f"{verb} voice prompt {name!r}: {audio} imported as language {stored.language} "
        f"({stored.duration:.2f} s, A-law 8 kHz mono) into {stored.file}"
    )
    return 0


def _prompts_delete(args: argparse.Namespace, file: str, name: str) -> int:

    org = load(file)
    if args.language:
        org.prompts.remove_language(name, args.language)
        what = f"language {args.language} of voice prompt {name!r}"
    else:
        org.prompts.remove(name)
        what = f"voice prompt {name!r}"
    save(org, file)
    _print(f"deleted {what} (its audio file stays in the folder)")
    return 0


def _prompts_export(args: argparse.Namespace, file: str, name: str, out: str) -> int:
    org = load(file)
    stored = org.prompts.find(name).audio_for(args.language)
    data = (Path(file).parent / stored.file).read_bytes()
    raw = Path(out).suffix.lower() in (".al", ".alaw", ".alw")
    atomic_write(out, wav_to_raw(data) if raw else data)
    kind = "raw A-law (no header)" if raw else "A-law WAV"
    _print(f"wrote {out}: voice prompt {name!r} ({stored.language}) as {kind}")
    return 0


def add_prompts_commands(sub: Any) -> None:
    """Add ``cloudtel prompts [import|delete|export]`` to the ``cloudtel`` command.

    Args:
        sub: The subparsers object of the main parser.
    """
    cmd = sub.add_parser(
        "prompts",
        help="list, import, delete or export voice prompts",
        usage=_PROMPTS_USAGE,
        description="Voice prompts. Import converts a PCM .wav/.aiff file to A-law 8 kHz "
        "mono and saves it beside the org file; a prompt that a schedule uses cannot be "
        "deleted. Export writes the stored WAV, or raw A-law when OUT ends in .al.",
    )
    cmd.add_argument("words", nargs="+", metavar="ARGS", help="see usage")
    cmd.add_argument("--language", help="language of the audio (default: the default one)")
    cmd.add_argument("--description", help="what the prompt says (import only)")
    cmd.set_defaults(run=_prompts, prompts_parser=cmd)
    _add_prompt_commands(sub)


# --- prompt attach: a prompt played by a schedule event ----------------------------


def _prompt_attach(org: Organization, args: argparse.Namespace) -> Outcome:
    if (args.event is None) == (not args.default):
        raise InvalidValueError(
            "prompt attach takes an EVENT of the schedule, or --default for its default event",
            field="event",
        )
    prompt = org.prompts.find(args.name)
    function = org.functions.find(args.number)
    schedule = function.schedule
    if args.default:
        default = attrs.evolve(schedule.default, instruction=prompt.name)
        schedule = schedule.set_default(default)
        where = "the default event"
    else:
        event = schedule.event(args.event)
        schedule = schedule.replace(event.name, attrs.evolve(event, instruction=prompt.name))
        where = f"event {event.name!r}"
    function = org.functions.set_schedule(function.name, schedule)
    return Outcome(
        f"{function.label} plays {prompt.name!r} during {where}",
        {"prompt": prompt.name, "function": function.name, "event": args.event},
    )


def _add_prompt_commands(sub: Any) -> None:
    group = sub.add_parser(
        "prompt",
        help="attach a voice prompt to a schedule event",
        description="One voice prompt. Import and list them with 'cloudtel prompts'.",
    )
    actions = group.add_subparsers(dest="prompt_command", metavar="ACTION", required=True)
    cmd = add_edit_command(
        actions,
        "attach",
        _prompt_attach,
        help="play a prompt while a schedule event (or the default event) is in force",
        full_name="prompt attach",
    )
    cmd.add_argument("name", metavar="NAME", help="the prompt's name")
    cmd.add_argument("number", metavar="NUMBER", help="the function number (name, short number …)")
    cmd.add_argument("event", metavar="EVENT", nargs="?", help="the event of its schedule")
    cmd.add_argument("--default", action="store_true", help="the schedule's default event")
