"""Regenerate the committed gRPC stubs from ``protos/portico/v1/*.proto``.

Run ``python -m protos.generate`` (or ``make protos``). ``--check`` exits non-zero when the committed
stubs differ from what the .proto files generate, which the test suite uses to catch stale stubs.

The .proto files import each other as ``portico/v1/…`` (the path external gRPC users see); the
generated Python lives in the ``protos.portico.v1`` package, so the generated imports are rewritten.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "portico" / "v1"
_IMPORT = re.compile(r"^from portico\.v1 import", re.MULTILINE)


def generate() -> dict[str, str]:
    """Run protoc and return the generated files by name, imports rewritten."""
    from grpc_tools import protoc  # imported here: grpcio-tools is a development dependency

    protos = sorted(str(p.relative_to(HERE)) for p in OUT.glob("*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            "protoc",
            f"-I{HERE}",
            f"-I{include}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            *protos,
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        files = {}
        for path in sorted((Path(tmp) / "portico" / "v1").iterdir()):
            files[path.name] = _IMPORT.sub("from protos.portico.v1 import", path.read_text())
    return files


def main() -> int:
    files = generate()
    if "--check" in sys.argv:
        stale = [n for n, text in files.items() if not (OUT / n).exists() or (OUT / n).read_text() != text]
        if stale:
            print("stale generated stubs (run `make protos`):", ", ".join(stale))
            return 1
        return 0
    for name, text in files.items():
        (OUT / name).write_text(text)
    print(f"wrote {len(files)} files to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
