"""Migration 0005 turns the outbox's Bot API calls into notices, and back, without losing one."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from bot.db.cases_repo import CaseRepository
from bot.db.database import make_async_engine, make_sessionmaker, migrate, sync_url
from bot.domain.dialogue_types import Button
from bot.domain.notices import Copy, Delete, EditCard, Say

KEYBOARD = {"inline_keyboard": [[{"text": "🙋 Take", "callback_data": "take:7"}]]}
LEGACY = [
    # (key, chat, method, params, status)
    (
        "a",
        1,
        "sendMessage",
        {"text": "<b>hi</b>", "parse_mode": "HTML", "reply_markup": KEYBOARD},
        "pending",
    ),
    ("b", 2, "sendMessage", {"text": "a < b & plain", "protect_content": True}, "pending"),
    (
        "c",
        3,
        "copyMessage",
        {
            "from_chat_id": 9,
            "message_id": 5,
            "caption": "#T ▸ x",
            "parse_mode": "HTML",
            "protect_content": True,
        },
        "held",
    ),
    (
        "d",
        4,
        "editMessageText",
        {"message_id": None, "text": "taken", "parse_mode": "HTML"},
        "blocked",
    ),
    ("e", 5, "deleteMessage", {"message_id": 77}, "pending"),
    ("f", 6, "sendMessage", {}, "sent"),
]
EXPECTED = {
    1: Say("<b>hi</b>", ((Button("🙋 Take", "take:7"),),)),
    2: Say("a &lt; b &amp; plain", protect=True),  # a plain text keeps its look as HTML
    3: Copy(9, 5, "#T ▸ x", protect=True),
    4: EditCard("taken"),
    5: Delete(77),
}


def _rows(url: str) -> dict[str, tuple[str, str]]:
    engine = create_engine(sync_url(url))
    with engine.connect() as conn:
        column = "kind" if "kind" in _columns(conn) else "method"
        rows = conn.execute(text(f"SELECT dedupe_key, {column}, payload FROM outbox")).all()
    engine.dispose()
    return {key: (kind, payload) for key, kind, payload in rows}


def _columns(conn: object) -> set[str]:
    from sqlalchemy import inspect

    return {c["name"] for c in inspect(conn).get_columns("outbox")}  # type: ignore[arg-type]


async def test_unsent_calls_become_notices_and_go_back_unchanged(database_url: str) -> None:
    migrate(database_url, "0004")
    engine = create_engine(sync_url(database_url))
    with engine.begin() as conn:
        for key, chat, method, params, status in LEGACY:
            conn.execute(
                text(
                    "INSERT INTO outbox (dedupe_key, chat_id, method, payload, status, attempts,"
                    " next_attempt_at, created_at) VALUES (:k, :c, :m, :p, :s, 0,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"k": key, "c": chat, "m": method, "p": json.dumps(params), "s": status},
            )
    engine.dispose()
    before = _rows(database_url)

    migrate(database_url)
    after = _rows(database_url)
    assert {key: kind for key, (kind, _) in after.items()} == {
        "a": "say",
        "b": "say",
        "c": "copy",
        "d": "edit_card",
        "e": "delete",
        "f": "say",
    }
    async_engine = make_async_engine(database_url)
    repo = CaseRepository(make_sessionmaker(async_engine))
    try:
        pending = {item.chat_id: item.notice for item in await repo.pending_outbox()}
        assert pending == {1: EXPECTED[1], 2: EXPECTED[2], 5: EXPECTED[5]}
    finally:
        await async_engine.dispose()
    from bot.db.notice_codec import decode

    assert decode(*after["c"]) == EXPECTED[3] and decode(*after["d"]) == EXPECTED[4]

    migrate(database_url, "0004", down=True)
    back = _rows(database_url)
    for key in ("a", "c", "d", "e"):  # HTML ones come back as they were
        assert back[key][0] == before[key][0]
        assert json.loads(back[key][1]) == json.loads(before[key][1])
    assert json.loads(back["b"][1])["text"] == "a &lt; b &amp; plain"
