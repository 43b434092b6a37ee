"""Run fuzz targets for a while: ``python -m fuzz SECONDS [TARGET …]``.

With atheris installed (``pip install atheris``; wheels exist for CPython 3.11 on
Linux) each target runs coverage-guided under libFuzzer for SECONDS, starting from its
seeds; a finding stops it with the input that crashed, written to ``crash-…``.
Without atheris, hypothesis mutates the seeds for SECONDS instead and shrinks what
it finds. Every target runs when none is named.
"""

from __future__ import annotations

import sys

from fuzz.run import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
