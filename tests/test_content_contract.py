"""UI strings keep the contract with the code: known {placeholders} only, every key the bot reads.

The editor's view: `perevir content check` names file, line and key. The developer's view: a key
read in bot/ that bot/content/contract.py does not declare fails the scan below.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.content import ContentError, contract, load_content
from bot.content.loader import inspect_content
from bot.risk.data import load_labels
from tests.conftest import CONTENT_DIR
from tests.test_content_hostile import _replace

BOT_DIR = Path(contract.__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _check(folder: Path, *options: str) -> tuple[int, str]:
    result = runner.invoke(app, ["content", "check", *options, "--content-dir", str(folder)])
    return result.exit_code, result.output


def _line_of(path: Path, start: str) -> int:
    """The 1-based line of the first line of path that starts with start."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(start):
            return number
    raise AssertionError(f"{start!r} not in {path}")


def _drop_line(path: Path, start: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(start)]
    assert len(kept) == len(lines) - 1, (path, start)
    path.write_text("".join(kept), encoding="utf-8")


def _errors(folder: Path) -> list[str]:
    return [str(p) for p in inspect_content(folder).problems if p.severity == "error"]


# ---- what the editor sees ------------------------------------------------------------------


def test_an_unknown_placeholder_in_both_languages_is_refused_with_file_line_and_key(
    content_copy: Path,
) -> None:
    _replace("ui/en.yaml", '  ask: "❓ Ask a question"', '  ask: "❓ Ask a question {foo}"')(
        content_copy
    )
    _replace("ui/uk.yaml", '  ask: "❓ Поставити запитання"', '  ask: "❓ Запитання {foo}"')(
        content_copy
    )
    code, output = _check(content_copy, "--summary")
    assert code == 1, output
    for lang in ("en", "uk"):
        line = _line_of(content_copy / "ui" / f"{lang}.yaml", "  ask:")
        assert (
            f"ui/{lang}.yaml:{line}: error: 'menu.ask' uses {{foo}}, which the bot does not fill"
        ) in output, output
    assert "FAILED" in output


def test_an_unknown_placeholder_names_the_ones_the_bot_fills(content_copy: Path) -> None:
    for lang in ("en", "uk"):
        _replace(f"ui/handoff.{lang}.yaml", "{deleted}", "{deleted} {count}")(content_copy)
    code, output = _check(content_copy, "--summary")
    assert code == 1, output
    line = _line_of(content_copy / "ui" / "handoff.en.yaml", "  forget_done:")
    assert (
        f"ui/handoff.en.yaml:{line}: error: 'handoff.forget_done' uses {{count}}, "
        "which the bot does not fill: it can use {deleted}"
    ) in output, output


def test_an_unknown_placeholder_stops_the_bot_from_loading_the_content(
    content_copy: Path,
) -> None:
    for lang in ("en", "uk"):
        _replace(f"ui/{lang}.yaml", '  name: "', '  name: "{flag} ')(content_copy)
    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    assert "'language.name' uses {flag}" in str(caught.value)
    assert len(caught.value.problems) == 2  # one per language, nothing else


def test_a_required_key_removed_from_both_languages_is_refused(content_copy: Path) -> None:
    for lang in ("en", "uk"):
        _drop_line(content_copy / "ui" / f"handoff.{lang}.yaml", "  forget_done:")
    code, output = _check(content_copy, "--summary")
    assert code == 1, output
    for lang in ("en", "uk"):
        section = _line_of(content_copy / "ui" / f"handoff.{lang}.yaml", "handoff:")
        assert (
            f"ui/handoff.{lang}.yaml:{section}: error: 'handoff.forget_done' is missing: "
            f"the bot needs this text; add it to handoff.{lang}.yaml"
        ) in output, output


def test_a_whole_section_removed_is_refused_key_by_key(content_copy: Path) -> None:
    for lang in ("en", "uk"):
        path = content_copy / "ui" / f"{lang}.yaml"
        text = path.read_text(encoding="utf-8")
        start, end = text.index("\nmenu:\n"), text.index("\nask:\n")
        path.write_text(text[:start] + text[end:], encoding="utf-8")
    errors = _errors(content_copy)
    for key in ("menu.title", "menu.ask", "menu.check", "menu.counsellor", "menu.hotlines"):
        assert any(f"'{key}' is missing" in e and "ui/uk.yaml:1:" in e for e in errors), errors


def test_a_required_flag_text_removed_from_both_languages_is_refused(
    content_copy: Path,
) -> None:
    for lang in ("en", "uk"):
        path = content_copy / "ui" / f"risk.{lang}.yaml"
        text = path.read_text(encoding="utf-8")
        start = text.index("  task_scam:\n")
        end = text.index("  courier_crime:\n")
        path.write_text(text[:start] + text[end:], encoding="utf-8")
    errors = _errors(content_copy)
    assert any("'flags.task_scam.name' is missing" in e for e in errors), errors
    assert any("'flags.task_scam.advice' is missing" in e for e in errors), errors


def test_a_required_placeholder_removed_from_both_languages_is_refused(
    content_copy: Path,
) -> None:
    _replace("ui/handoff.en.yaml", '"{minutes} min"', '"a few min"')(content_copy)
    _replace("ui/handoff.uk.yaml", '"{minutes} хв"', '"кілька хв"')(content_copy)
    code, output = _check(content_copy, "--summary")
    assert code == 1, output
    line = _line_of(content_copy / "ui" / "handoff.uk.yaml", "  minutes:")
    assert (
        f"ui/handoff.uk.yaml:{line}: error: 'counsellor.minutes' must use {{minutes}}, "
        "which the bot fills with the minutes the person has waited"
    ) in output, output


def test_the_request_number_is_required_in_a_counsellors_notice(content_copy: Path) -> None:
    _replace("ui/handoff.en.yaml", '"Sent to #{tag}."', '"Sent."')(content_copy)
    _replace("ui/handoff.uk.yaml", '"Надіслано в #{tag}."', '"Надіслано."')(content_copy)
    errors = _errors(content_copy)
    assert any("'counsellor.sent_to' must use {tag}" in e for e in errors), errors


def test_an_optional_placeholder_may_be_left_out(content_copy: Path) -> None:
    for lang in ("en", "uk"):
        _replace(f"ui/handoff.{lang}.yaml", "{deleted}", "all")(content_copy)
    assert _errors(content_copy) == []


def test_a_harmless_unused_key_is_only_a_warning(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the retrieval check (half a minute, tested in test_content_check) has nothing to do here
    monkeypatch.setattr("bot.content.check._retrieval_problems", lambda *args: [])
    _replace("ui/en.yaml", "menu:\n", 'menu:\n  later: "Maybe later"\n')(content_copy)
    _replace("ui/uk.yaml", "menu:\n", 'menu:\n  later: "Можливо, пізніше"\n')(content_copy)
    code, output = _check(content_copy)
    assert code == 0, output
    line = _line_of(content_copy / "ui" / "en.yaml", "  later:")
    assert (
        f"ui/en.yaml:{line}: warning: unused key 'menu.later': the bot never shows this text"
    ) in output, output
    assert "OK: 0 errors" in output


def test_a_key_missing_in_one_language_is_named_in_the_file_where_it_belongs(
    content_copy: Path,
) -> None:
    _drop_line(content_copy / "ui" / "handoff.en.yaml", "  sent_to:")
    errors = _errors(content_copy)
    section = _line_of(content_copy / "ui" / "handoff.en.yaml", "counsellor:")
    expected = (
        f"ui/handoff.en.yaml:{section}: error: 'counsellor.sent_to' is in handoff.uk.yaml "
        "but has no translation here"
    )
    assert any(e.endswith(expected) for e in errors), errors
    assert not any("is missing: the bot needs" in e for e in errors), errors


def test_the_real_content_keeps_the_contract() -> None:
    problems = inspect_content(CONTENT_DIR).problems
    assert [str(p) for p in problems if p.severity == "error"] == []
    content = load_content(CONTENT_DIR)
    ids = contract.family_ids(contract.flag_ids())
    for lang in ("uk", "en"):
        assert set(contract.expand(ids)) <= set(content.strings[lang])


# ---- the contract is complete: the developer's view ----------------------------------------

LOOKUPS = {"text", "_t", "t", "note", "error", "to_counsellor"}
"""The text-lookup calls of bot/: each takes the key as its second argument."""
IMPLIED = {"error": {"hotline_line"}, "to_counsellor": {"tag"}}
"""Placeholders these wrappers fill themselves (Dialogue.error, CaseTexts.to_counsellor)."""
OWN_KEYWORDS = {"to_counsellor"}
"""Lookups whose keyword arguments are their own options, not placeholders."""
KEY_SHAPE = re.compile(r"[a-z_*][a-z0-9_*]*(\.[a-z0-9_*]+)+")


def _shapes(node: ast.expr, assigned: dict[str, list[ast.expr]]) -> set[str]:
    """The keys an expression can be; '*' stands for a part only known at run time."""
    if isinstance(node, ast.Constant):
        return {node.value} if isinstance(node.value, str) else {"*"}
    if isinstance(node, ast.JoinedStr):
        return {
            "".join(
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "*"
                for v in node.values
            )
        }
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _shapes(node.left, assigned), _shapes(node.right, assigned)
        return {a + b for a in left for b in right}
    if isinstance(node, ast.IfExp):
        return _shapes(node.body, assigned) | _shapes(node.orelse, assigned)
    if isinstance(node, ast.Name) and node.id in assigned:  # e.g. key = {...}.get(kind, "...")
        return {
            c.value
            for value in assigned[node.id]
            for c in ast.walk(value)
            if isinstance(c, ast.Constant) and isinstance(c.value, str)
        }
    return {"*"}


def _keys_read(source: str) -> dict[str, set[str]]:
    """Every UI key a module's text lookups can read, with the placeholder names they pass."""
    found: dict[str, set[str]] = defaultdict(set)
    tree = ast.parse(source)
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        assigned: dict[str, list[ast.expr]] = defaultdict(list)
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned[target.id].append(node.value)
        for call in ast.walk(function):
            if not isinstance(call, ast.Call) or len(call.args) < 2:
                continue
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in LOOKUPS:
                continue
            keywords = set() if name in OWN_KEYWORDS else {kw.arg for kw in call.keywords}
            passed = {k for k in keywords if k} | IMPLIED.get(name, set())
            for shape in _shapes(call.args[1], assigned):
                if KEY_SHAPE.fullmatch(shape):
                    found[shape] |= passed
    return found


def _code_keys() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(BOT_DIR.rglob("*.py")):
        if path.name == "contract.py":
            continue
        for key, passed in _keys_read(path.read_text(encoding="utf-8")).items():
            found[key] |= passed
    return found


def _families() -> dict[str, str]:
    """Each family template as the scan sees it ('risk.level.*') -> the template."""
    return {re.sub(r"\{[a-z_]+\}", "*", t): t for t in contract.FAMILIES}


def _not_in_contract(keys: dict[str, set[str]]) -> list[str]:
    families = _families()
    return sorted(key for key in keys if key not in contract.UI_KEYS and key not in families)


def test_the_scan_finds_the_keys_the_code_reads() -> None:
    keys = _code_keys()
    assert len(keys) >= 100
    assert keys["handoff.forget_done"] == {"deleted"}
    assert keys["errors.internal"] == {"hotline_line"}
    assert keys["errors.media"] == {"hotline_line"} or "errors.media" in keys
    assert "flags.*.name" in keys and "counsellor.reasons.*" in keys


def test_every_text_key_the_code_reads_is_in_the_contract() -> None:
    assert _not_in_contract(_code_keys()) == []


def test_a_new_key_in_code_without_the_contract_fails_the_scan() -> None:
    source = (
        "class Dialogue:\n"
        "    def greet(self, lang):\n"
        "        return self._t(lang, 'menu.brand_new', name='x')\n"
        "    def sort(self, lang, kind):\n"
        "        return self._t(lang, f'sort.{kind}.label')\n"
    )
    assert _not_in_contract(_keys_read(source)) == ["menu.brand_new", "sort.*.label"]


def test_the_contract_declares_exactly_the_placeholders_the_code_passes() -> None:
    keys, families = _code_keys(), _families()
    for key, passed in keys.items():
        declared = contract.UI_KEYS.get(key)
        if declared is None:
            declared = contract.FAMILIES[families[key]]
        assert set(declared) == passed, key


def test_every_key_of_the_contract_is_read_by_the_code() -> None:
    keys = _code_keys()
    assert sorted(set(contract.UI_KEYS) - set(keys)) == []
    assert sorted(set(_families()) - set(keys)) == []


def test_required_placeholders_are_ones_the_bot_fills() -> None:
    for key, required in contract.REQUIRED.items():
        assert set(required) <= contract.UI_KEYS[key], key


def test_the_link_refusals_are_the_reasons_the_fetcher_gives() -> None:
    source = (BOT_DIR / "web" / "fetch.py").read_text(encoding="utf-8")
    reasons = set(re.findall(r'FetchError\("([a-z_]+)"', source))
    assert reasons == contract.LINK_REFUSALS


def test_flag_texts_follow_the_risk_taxonomy() -> None:
    assert contract.flag_ids() == frozenset(label.id for label in load_labels())
    ids = contract.family_ids(contract.flag_ids())
    assert "flags.task_scam.advice" in contract.expand(ids)
    assert contract.placeholders_for("flags.not_a_label.name", ids) is None


def test_without_the_taxonomy_any_flag_text_is_accepted_but_none_is_required() -> None:
    ids = contract.family_ids(None)
    assert contract.placeholders_for("flags.anything.name", ids) == frozenset()
    assert not any(key.startswith("flags.") for key in contract.expand(ids))
