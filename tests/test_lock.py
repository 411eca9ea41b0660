"""The lock files agree with pyproject.toml: regenerate them with `make lock` when this fails.

requirements.lock is the deployed (runtime) install and requirements-dev.lock the same pins
plus the [dev] extra; both are installed with `pip install --require-hashes`. Offline: only
the three files are read, plus the installed packages' own metadata for the closure check.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"

# Tools that must never reach the deployed install.
DEV_ONLY = ("pytest", "pytest-asyncio", "ruff", "mypy", "types-pyyaml")

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)\s*\\?$")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}\s*\\?$")


@dataclass
class Lock:
    path: Path
    pins: dict[NormalizedName, Version] = field(default_factory=dict)
    hashes: dict[NormalizedName, int] = field(default_factory=dict)
    header: str = ""


def parse_lock(path: Path) -> Lock:
    """Pins and hash counts; any line that is neither a pin, a hash nor a comment fails."""
    lock = Lock(path)
    current: NormalizedName | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not lock.pins and line.startswith("#"):
            lock.header += line + "\n"
        if not line or line.startswith("#"):
            continue
        if raw[0].isspace():
            assert current is not None and HASH.match(line), f"{path.name}:{number}: {raw!r}"
            lock.hashes[current] += 1
            continue
        match = PIN.match(line)
        assert match, f"{path.name}:{number}: not a `name==version` pin: {raw!r}"
        current = canonicalize_name(match.group(1))
        assert current not in lock.pins, f"{path.name}:{number}: {current} pinned twice"
        lock.pins[current] = Version(match.group(2))
        lock.hashes[current] = 0
    return lock


def _pyproject() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def _requirements(specs: list[str]) -> list[Requirement]:
    reqs = [Requirement(spec) for spec in specs]
    return [r for r in reqs if r.marker is None or r.marker.evaluate({"extra": ""})]


def runtime_requirements() -> list[Requirement]:
    return _requirements(_pyproject()["project"]["dependencies"])


def dev_requirements() -> list[Requirement]:
    return _requirements(_pyproject()["project"]["optional-dependencies"]["dev"])


def build_requirements() -> list[Requirement]:
    """setuptools and wheel: pinned in both locks for `pip install --no-build-isolation -e .`"""
    return _requirements(_pyproject()["build-system"]["requires"])


@pytest.fixture(scope="module")
def runtime_lock() -> Lock:
    return parse_lock(RUNTIME_LOCK)


@pytest.fixture(scope="module")
def dev_lock() -> Lock:
    return parse_lock(DEV_LOCK)


def _assert_satisfied(lock: Lock, reqs: list[Requirement]) -> None:
    missing = [str(r) for r in reqs if canonicalize_name(r.name) not in lock.pins]
    assert not missing, f"{lock.path.name} lacks {missing}: run `make lock`"
    wrong = [
        f"{r.name}=={lock.pins[canonicalize_name(r.name)]} does not satisfy {r}"
        for r in reqs
        if not r.specifier.contains(lock.pins[canonicalize_name(r.name)], prereleases=True)
    ]
    assert not wrong, f"{lock.path.name}: {wrong}: run `make lock`"


def test_runtime_lock_pins_every_runtime_dependency(runtime_lock: Lock) -> None:
    _assert_satisfied(runtime_lock, runtime_requirements() + build_requirements())


def test_dev_lock_pins_every_runtime_and_dev_dependency(dev_lock: Lock) -> None:
    _assert_satisfied(dev_lock, runtime_requirements() + dev_requirements() + build_requirements())


@pytest.mark.parametrize("name", ["runtime", "dev"])
def test_every_pin_has_a_hash(name: str, runtime_lock: Lock, dev_lock: Lock) -> None:
    lock = runtime_lock if name == "runtime" else dev_lock
    assert lock.pins, f"{lock.path.name} pins nothing"
    unhashed = sorted(n for n, count in lock.hashes.items() if count == 0)
    assert not unhashed, f"{lock.path.name}: no --hash for {unhashed}"


@pytest.mark.parametrize("name", ["runtime", "dev"])
def test_lock_does_not_hold_the_project_itself(
    name: str, runtime_lock: Lock, dev_lock: Lock
) -> None:
    lock = runtime_lock if name == "runtime" else dev_lock
    project = canonicalize_name(_pyproject()["project"]["name"])
    assert project not in lock.pins
    assert "make lock" in lock.header and "pip-compile" in lock.header, lock.header


def test_runtime_lock_holds_no_dev_tools(runtime_lock: Lock) -> None:
    dev_names = {canonicalize_name(r.name) for r in dev_requirements()}
    assert set(DEV_ONLY) <= dev_names, "DEV_ONLY names a tool the [dev] extra no longer has"
    leaked = sorted(set(DEV_ONLY) & set(runtime_lock.pins))
    assert not leaked, f"dev tools in the deployed install: {leaked}"


def test_dev_lock_pins_the_runtime_pins_at_the_same_versions(
    runtime_lock: Lock, dev_lock: Lock
) -> None:
    differ = {
        name: (str(version), str(dev_lock.pins.get(name)))
        for name, version in runtime_lock.pins.items()
        if dev_lock.pins.get(name) != version
    }
    assert not differ, f"runtime pin -> dev pin: {differ}"


def _installed_at(name: str, version: Version) -> metadata.Distribution | None:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    return dist if Version(dist.version) == version else None


def _wanted(marker: Marker | None, extras: set[str]) -> bool:
    return marker is None or any(marker.evaluate({"extra": e}) for e in {"", *extras})


@pytest.mark.parametrize("name", ["runtime", "dev"])
def test_lock_is_closed_and_has_no_stale_pins(
    name: str, runtime_lock: Lock, dev_lock: Lock
) -> None:
    """Walk the dependencies (from the installed metadata of each pinned version) from
    pyproject.toml: each must be pinned at a version that satisfies it, and, when every pin's
    metadata is at hand, each pin must be reached (a dependency dropped from pyproject.toml
    but left in the lock is drift too). Pins not installed at that version are not walked."""
    lock = runtime_lock if name == "runtime" else dev_lock
    roots = runtime_requirements() + build_requirements()
    if name == "dev":
        roots += dev_requirements()
    todo = [(canonicalize_name(r.name), set(r.extras)) for r in roots]
    seen: dict[NormalizedName, set[str]] = {}
    unwalked: set[NormalizedName] = set()
    problems: list[str] = []
    while todo:
        pkg, extras = todo.pop()
        if pkg in seen and extras <= seen[pkg]:
            continue
        seen[pkg] = seen.get(pkg, set()) | extras
        dist = _installed_at(pkg, lock.pins[pkg]) if pkg in lock.pins else None
        if dist is None:
            unwalked.add(pkg)
            continue
        for spec in dist.requires or []:
            try:
                req = Requirement(spec)
            except InvalidRequirement:
                continue
            if not _wanted(req.marker, extras):
                continue
            dep = canonicalize_name(req.name)
            if dep not in lock.pins:
                problems.append(f"{pkg} needs {req}, not pinned")
            elif not req.specifier.contains(lock.pins[dep], prereleases=True):
                problems.append(f"{pkg} needs {req}, pinned {lock.pins[dep]}")
            else:
                todo.append((dep, set(req.extras)))
    assert not problems, f"{lock.path.name}: {problems}: run `make lock`"
    stale = sorted(set(lock.pins) - set(seen))
    if stale and unwalked:
        pytest.skip(f"{stale} may be needed by {sorted(unwalked)}, not installed at the pins")
    assert not stale, f"{lock.path.name} pins what nothing needs: {stale}: run `make lock`"
