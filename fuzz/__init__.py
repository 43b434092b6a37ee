"""Fuzz targets for cloudtel's parsers of outside input (see docs/hostile-input.md).

Each target in :data:`fuzz.targets.TARGETS` takes bytes and feeds them to one parser;
the only exceptions it lets through are the ones that parser documents (a
:class:`~cloudtel.CloudtelError`): anything else, or a hang, is a finding. Run them
with ``nox -s fuzz -- SECONDS [TARGET …]`` or ``python -m fuzz SECONDS [TARGET …]``.
"""
