"""Print the requirements of this project with one extra, one a line (for `pip install -r`).

The image installs the dependencies in a layer that sees only pyproject.toml, so that a change of
the code does not re-run it. Self-references such as `qwen-llm-service[worker]` are expanded.

    python3 docker/extra_requirements.py gpu > requirements.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def requirements(extra: str, pyproject: dict[str, object]) -> list[str]:
    project = pyproject["project"]
    assert isinstance(project, dict)
    extras: dict[str, list[str]] = project["optional-dependencies"]
    own = re.compile(rf"^{re.escape(project['name'])}\[([^\]]+)\]$")
    found: list[str] = list(project["dependencies"])
    pending, seen = [extra], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for requirement in extras[name]:
            match = own.match(requirement.replace(" ", ""))
            if match:
                pending.extend(match.group(1).split(","))
            elif requirement not in found:
                found.append(requirement)
    return found


def main() -> int:
    extra = sys.argv[1] if len(sys.argv) > 1 else "gpu"
    print("\n".join(requirements(extra, tomllib.loads(PYPROJECT.read_text()))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
