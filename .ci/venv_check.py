"""Why a venv in the deck cache cannot be reused, or nothing (run by its python; see lib.sh).

    python -I venv_check.py DIST==VERSION... -- MODULE...

Exits non-zero with the reason when a pinned distribution is missing or at another version,
when a file that a RECORD lists is missing (an interrupted install), or when a module does not
import.
"""

import csv
import importlib
import importlib.metadata as metadata
import sys
from pathlib import Path


def main(argv: list[str]) -> str | None:
    split = argv.index("--")
    for pin in argv[:split]:
        name, wanted = pin.split("==")
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            return f"{name} is not installed"
        if found != wanted:
            return f"{name} {found} is installed, not {wanted}"
    # From the RECORDs themselves: since Python 3.12 Distribution.files leaves missing files out.
    for dist in metadata.distributions():
        for row in csv.reader((dist.read_text("RECORD") or "").splitlines()):
            if row and "__pycache__" not in row[0] and not Path(str(dist.locate_file(row[0]))).exists():
                return f"{dist.metadata['Name']} is incomplete: {row[0]} is missing"
    for module in argv[split + 1 :]:
        try:
            importlib.import_module(module)
        except Exception as error:
            return f"{module} cannot be imported: {error!r}"
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
