"""A local Telegram Bot API server (aiohttp) that the real bot talks to in end-to-end tests.

Point PTB at it with ``.base_url(server.base_url).base_file_url(server.base_file_url)``,
inject updates (``server.send_text(42, "hi")``), read what the bot did (``wait_for_message(42)``).
It speaks the wire protocol (urlencoded, multipart and JSON bodies, Bot API result and error
shapes, long polling) and keeps enough state for edits, deletes, copies and forwards to behave as
on Telegram. Not modelled: MarkdownV2 parsing, text trimming, inline messages, media dimensions.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import inspect
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

JSON = dict[str, Any]
T = TypeVar("T")
Handler = Callable[[JSON], Any]

BOT_ID = 7_000_000_001
MAX_TEXT, MAX_CAPTION, MAX_CALLBACK_DATA = 4096, 1024, 64
DELETE_WINDOW = 48 * 3600  # seconds after which a message can't be deleted
ANSWER_WINDOW = 15  # seconds a callback query can be answered in
FIRST_UPDATE_ID = 10_000


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


# PTB sends every non-string parameter JSON-encoded in a form field; these say how to decode it.
_JSON_FIELDS = _names(
    "reply_markup entities caption_entities reply_parameters link_preview_options "
    "allowed_updates commands scope message_ids media"
)
_INT_FIELDS = _names(
    "chat_id from_chat_id message_id user_id offset limit reply_to_message_id "
    "message_thread_id cache_time duration width height"
)
_FLOAT_FIELDS = _names("timeout latitude longitude horizontal_accuracy")
_BOOL_FIELDS = _names(
    "protect_content disable_notification show_alert drop_pending_updates has_spoiler "
    "allow_sending_without_reply disable_web_page_preview supports_streaming"
)
_SEND_METHODS = _names(
    "sendMessage sendPhoto sendDocument sendVoice sendVideo sendAudio sendLocation "
    "sendSticker copyMessage forwardMessage sendChatAction"
)
# kind -> default (file_name, mime_type)
_MEDIA: dict[str, tuple[str | None, str]] = {
    "photo": ("photo.jpg", "image/jpeg"),
    "document": ("document.pdf", "application/pdf"),
    "voice": (None, "audio/ogg"),
    "video": ("video.mp4", "video/mp4"),
    "audio": ("audio.mp3", "audio/mpeg"),
    "sticker": ("sticker.webp", "image/webp"),
}
_CONTENT_KEYS = ("text", "entities", "caption", "caption_entities", "location", *_MEDIA)
_DESCRIPTIONS = {
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_ADMIN = _names(
    "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
    "can_promote_members can_change_info can_invite_users can_post_stories can_edit_stories "
    "can_delete_stories"
)
_MEMBER_DEFAULTS: dict[str, JSON] = {
    "creator": {"is_anonymous": False},
    "administrator": {"can_be_edited": False, "is_anonymous": False, **dict.fromkeys(_ADMIN, True)},
    "kicked": {"until_date": 0},
}
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@\w+)?")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Bot API error reply: HTTP status ``code`` plus Telegram's ``description``."""

    def __init__(self, code: int, description: str | None = None, retry_after: int | None = None):
        if code == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        self.code, self.retry_after = code, retry_after
        self.description = description or _DESCRIPTIONS.get(code, f"Error {code}")
        super().__init__(self.description)

    def to_json(self) -> JSON:
        """The response body Telegram sends for this error."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: ..." description."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request (what PTB sends for an ``InputFile``)."""

    filename: str | None
    content_type: str
    content: bytes


@dataclass
class Call:
    """One Bot API request the bot made: its decoded params and the result or the error."""

    method: str
    params: JSON
    result: Any = None
    error: ApiError | None = None
    at: float = field(default_factory=time.monotonic)
    """When the request arrived (monotonic seconds)."""


@dataclass
class Clock:
    """The server's "now": wall-clock time plus an adjustable ``offset`` in seconds."""

    offset: float = 0.0

    def now(self) -> int:
        """Current server time in UNIX seconds."""
        return int(time.time() + self.offset)

    def advance(self, seconds: float) -> None:
        """Move the server's clock forward."""
        self.offset += seconds


@dataclass
class _Pending:
    update: JSON
    delivered: bool = False
    forced: bool = False  # injected raw: delivered once even if its update_id is confirmed


def _queue_of(update: JSON) -> int:
    """The chat an update belongs to (its sender's when it has no chat), for delivery order."""
    for value in update.values():
        if isinstance(value, dict):
            chat = value.get("chat") or (value.get("message") or {}).get("chat")
            if isinstance(chat, dict) and "id" in chat:
                return int(chat["id"])
            sender = value.get("from")
            if isinstance(sender, dict) and "id" in sender:
                return int(sender["id"])
    return 0


@dataclass
class _Fault:
    method: str
    error: ApiError
    times: int
    chat_id: int | None


@dataclass
class _StoredFile:
    meta: JSON
    content: bytes
    file_name: str | None
    mime_type: str | None


# --- HTML parse mode, after tdlib's parse_html ---------------------------------------------------

_TAGS = {
    **dict.fromkeys(["b", "strong"], "bold"),
    **dict.fromkeys(["i", "em"], "italic"),
    **dict.fromkeys(["u", "ins"], "underline"),
    **dict.fromkeys(["s", "strike", "del"], "strikethrough"),
    **dict.fromkeys(["tg-spoiler", "span"], "spoiler"),
    **{"a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote"},
}
_TAG_RE = re.compile(r"<(/?)([^\s>]*)([^>]*)>")
_ATTR_RE = re.compile(r"""([^\s=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?""")
_CHAR_REF_RE = re.compile(r"&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));?")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _char_ref(match: re.Match[str]) -> str | None:
    number, hexa, name = match.groups()
    if name:
        return _NAMED_REFS[name]
    code = int(number) if number else int(hexa, 16)
    return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else None


def _unescape(value: str) -> str:
    return _CHAR_REF_RE.sub(lambda m: _char_ref(m) or m.group(), value)


def parse_html(source: str, *, strict_ampersand: bool = True) -> tuple[str, list[JSON]]:
    """Turn Telegram HTML into (plain text, entities); ValueError with tdlib's reason if invalid."""
    text, offset, i = "", 0, 0
    entities: list[JSON] = []
    stack: list[tuple[str, dict[str, str], int, int]] = []  # tag, attributes, offset, len(text)

    def at() -> str:
        return f"at byte offset {len(source[:i].encode())}"

    while i < len(source):
        char = source[i]
        if char == "<":
            tag = _TAG_RE.match(source, i)
            if tag is None:
                raise ValueError(f"Unclosed start tag {at()}")
            closing, name, rest = tag.group(1), tag.group(2).lower(), tag.group(3)
            if not closing:
                if name not in _TAGS:
                    raise ValueError(f'Unsupported start tag "{name}" {at()}')
                attrs = {a.lower(): _unescape(x or y or z) for a, x, y, z in _ATTR_RE.findall(rest)}
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise ValueError(f'Tag "span" must have class "tg-spoiler" {at()}')
                stack.append((name, attrs, offset, len(text)))
            elif not stack:
                raise ValueError(f"Unexpected end tag {at()}")
            else:
                opened, attrs, start, position = stack.pop()
                if name and name != opened:
                    raise ValueError(
                        f'Unmatched end tag {at()}, expected "</{opened}>", found "</{name}>"'
                    )
                if offset > start:
                    entity = {"type": _TAGS[opened], "offset": start, "length": offset - start}
                    if opened == "a":
                        entity["url"] = attrs.get("href") or text[position:]
                    elif opened == "blockquote" and "expandable" in attrs:
                        entity["type"] = "expandable_blockquote"
                    entities.append(entity)
            i = tag.end()
            continue
        ref = _CHAR_REF_RE.match(source, i) if char == "&" else None
        chunk = _char_ref(ref) if ref else None
        if chunk is not None and ref:
            i = ref.end()
        elif char == "&" and strict_ampersand:
            raise ValueError(f'Character "&" must be escaped as "&amp;" {at()}')
        else:
            chunk, i = char, i + 1
        text += chunk
        offset += utf16_len(chunk)
    if stack:
        raise ValueError(f"Can't find end tag corresponding to start tag {stack[-1][0]}")
    return text, sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _decode(key: str, value: Any) -> Any:
    """Decode one form field as Telegram does (PTB JSON-encodes every non-string value)."""
    if isinstance(value, bytes):
        value = value.decode()
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {key} JSON object") from None
    if key in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    try:
        if key in _INT_FIELDS:
            return int(value)
        if key in _FLOAT_FIELDS:
            return float(value)
    except ValueError:
        pass  # e.g. chat_id="@channel"
    return value


def _clean(mapping: JSON) -> JSON:
    return {key: value for key, value in mapping.items() if value not in (None, [], "")}


def _content(message: JSON) -> JSON:
    return {key: copy.deepcopy(message[key]) for key in _CONTENT_KEYS if key in message}


def _body(message: JSON) -> str:
    return str(message.get("text") or message.get("caption") or "")


def _reply(error: ApiError) -> web.Response:
    return web.json_response(error.to_json(), status=error.code)


class BotApiServer:
    """A Telegram Bot API server on 127.0.0.1 that records the bot's calls and scripts its world."""

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_username: str = "perevir_test_bot",
        bot_name: str = "Perevir",
        strict_ampersand: bool = True,
    ) -> None:
        self.token = token  # if set, other tokens get 401
        self.tokens_seen: set[str] = set()
        self.strict_ampersand = strict_ampersand  # tdlib itself keeps a bare "&" literally
        self.clock = Clock()
        self.log: list[Call] = []
        self.bot_user: JSON = {"id": BOT_ID, "is_bot": True, "first_name": bot_name}
        self.bot_user["username"] = bot_username
        self.descriptions: dict[str, str] = {}  # from setMyDescription: language_code -> text
        self._users: dict[int, JSON] = {}
        self._chats: dict[int, JSON] = {}
        self._members: dict[tuple[int, int], JSON] = {}
        self._messages: dict[int, dict[int, JSON]] = defaultdict(dict)
        self._last_message_id: dict[int, int] = defaultdict(int)
        self._outbox: dict[int, list[JSON]] = defaultdict(list)  # what the bot sent, per chat
        self._cursor: dict[int, int] = defaultdict(int)  # read position in _outbox
        self._updates: list[_Pending] = []
        self.polls_waiting = 0
        """How many getUpdates calls are waiting for updates right now."""
        self._last_update_id = FIRST_UPDATE_ID - 1
        self._allowed_updates: list[str] = []
        self._files: dict[str, _StoredFile] = {}
        self._last_query_id = 4_000_000_000
        self._queries: dict[str, int] = {}  # unanswered callback query id -> creation time
        self._commands: dict[str, list[JSON]] = {}
        self._faults: list[_Fault] = []
        self._delays: dict[str, float] = {}
        self._blocked: set[int] = set()
        self._waiters: set[asyncio.Future[None]] = set()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port = 0
        self.webhook: JSON = {}
        """What setWebhook set (url, secret_token, allowed_updates); empty: polling."""
        self.webhook_posts: list[int] = []
        """The HTTP status of every webhook POST made, in order."""
        self.first_posted: dict[int, float] = {}
        """When each update was first POSTed to the webhook (monotonic seconds)."""
        self._delivery: asyncio.Task[None] | None = None
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda p: self._commands.get(self._commands_key(p), []),
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_my_description,
            "sendMessage": lambda p: self._bot_send(p, self._text(p)),
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": lambda p: self._edit(p, {"reply_markup": self._markup(p)}),
            "editMessageCaption": self._edit_message_caption,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": lambda p: bool(self._chat(p.get("chat_id"))),
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "sendLocation": self._send_location,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "leaveChat": lambda p: bool(self._chat(p.get("chat_id"))),
            "close": lambda p: True,
            "logOut": lambda p: True,
            "getFile": self._get_file,
        }
        for kind in _MEDIA:
            handlers[f"send{kind.title()}"] = functools.partial(self._send_media, kind=kind)
        self._handlers = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start serving."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/bot{token}/{method}", self._dispatch)
        app.router.add_post("/bot{token}/{method}", self._dispatch)
        app.router.add_get("/file/bot{token}/{path:.+}", self._serve_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Release pending long polls and delays, then close every connection and the socket."""
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)
            self._delivery = None
        if self._runner is not None:
            self._closing = True
            self._notify()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiServer:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the server."""
        await self.stop()

    @property
    def base_url(self) -> str:
        """``base_url`` for PTB's Bot/ApplicationBuilder (PTB appends the token)."""
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        """``base_file_url`` for PTB's Bot/ApplicationBuilder."""
        return f"http://127.0.0.1:{self._port}/file/bot"

    # --- users, chats and files ------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Tester",
        language_code: str | None = None,
        *,
        username: str | None = None,
    ) -> JSON:
        """Register a user and the private chat with the same id; returns the Telegram User."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "username": username}
        self._users[user_id] = _clean({**user, "language_code": language_code})
        chat = {"id": user_id, "type": "private", "first_name": first_name, "username": username}
        self._chats[user_id] = _clean(chat)
        return self._users[user_id]

    def group(self, chat_id: int, title: str = "Test group") -> JSON:
        """Register a group chat (a supergroup if the id starts with -100); returns the Chat."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        self._chats[chat_id] = {"id": chat_id, "type": kind, "title": title}
        return self._chats[chat_id]

    def set_member(self, chat_id: int, user_id: int, status: str = "member", **fields: Any) -> None:
        """Configure getChatMember's answer ("creator", "administrator", "left", "kicked", ...)."""
        self._members[(chat_id, user_id)] = {"status": status, **_MEMBER_DEFAULTS.get(status, {})}
        self._members[(chat_id, user_id)].update(fields)

    def add_file(
        self, content: bytes, *, file_name: str | None = None, mime_type: str | None = None
    ) -> JSON:
        """Store a file the bot can fetch via getFile; returns its File (file_id, file_path...)."""
        number = len(self._files) + 1
        suffix = "." + file_name.rsplit(".", 1)[1] if file_name and "." in file_name else ""
        meta: JSON = {"file_id": f"file-{number}", "file_unique_id": f"unique-{number}"}
        meta.update(file_size=len(content), file_path=f"files/file_{number}{suffix}")
        self._files[meta["file_id"]] = _StoredFile(meta, content, file_name, mime_type)
        return dict(meta)

    # --- injecting updates -----------------------------------------------------------------------

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
        entities: list[JSON] | None = None,
        forward_origin: JSON | None = None,
    ) -> JSON:
        """A user sends a text message (a leading /command gets its bot_command entity)."""
        if entities is None and (command := _COMMAND_RE.match(text)):
            entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}]
        content = {"text": text, "entities": entities, "forward_origin": forward_origin}
        return self._user_message(user_id, content, chat_id, reply_to)

    def send_command(self, user_id: int, command: str, args: str = "", **kw: Any) -> JSON:
        """A user sends ``/command args``; ``kw`` as for ``send_text``."""
        command = command if command.startswith("/") else f"/{command}"
        return self.send_text(user_id, f"{command} {args}" if args else command, **kw)

    def forward_text(self, user_id: int, text: str, from_name: str, **kw: Any) -> JSON:
        """A user forwards a text by someone who hides their account (origin "hidden_user")."""
        origin: JSON = {"type": "hidden_user", "sender_user_name": from_name}
        origin["date"] = self.clock.now() - 3600
        return self.send_text(user_id, text, forward_origin=origin, **kw)

    def send_file(
        self,
        user_id: int,
        kind: str,
        *,
        caption: str | None = None,
        content: bytes = b"\x00file",
        file_name: str | None = None,
        mime_type: str | None = None,
        chat_id: int | None = None,
        **fields: Any,
    ) -> JSON:
        """A user sends a file of ``kind`` (photo, document, voice, video, audio, sticker)."""
        default_name, default_mime = _MEDIA[kind]
        meta = self.add_file(
            content, file_name=file_name or default_name, mime_type=mime_type or default_mime
        )
        message = {kind: self._file_object(kind, meta, **fields), "caption": caption}
        return self._user_message(user_id, message, chat_id)

    def send_photo(self, user_id: int, caption: str | None = None, **kw: Any) -> JSON:
        """A user sends a photo; ``kw`` as for ``send_file``."""
        return self.send_file(user_id, "photo", caption=caption, **kw)

    def send_document(self, user_id: int, file_name: str = "document.pdf", **kw: Any) -> JSON:
        """A user sends a document; ``kw`` as for ``send_file``."""
        return self.send_file(user_id, "document", file_name=file_name, **kw)

    def send_voice(self, user_id: int, duration: int = 2, **kw: Any) -> JSON:
        """A user sends a voice note; ``kw`` as for ``send_file``."""
        return self.send_file(user_id, "voice", duration=duration, **kw)

    def send_video(
        self, user_id: int, caption: str | None = None, duration: int = 3, **kw: Any
    ) -> JSON:
        """A user sends a video; ``kw`` as for ``send_file``."""
        return self.send_file(user_id, "video", caption=caption, duration=duration, **kw)

    def send_sticker(self, user_id: int, emoji: str = "👍", **kw: Any) -> JSON:
        """A user sends a sticker; ``kw`` as for ``send_file``."""
        return self.send_file(user_id, "sticker", emoji=emoji, **kw)

    def send_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> JSON:
        """A user shares a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(user_id, {"location": location}, chat_id)

    def edit_text(
        self, user_id: int, message_id: int, new_text: str, *, chat_id: int | None = None
    ) -> JSON:
        """A user edits one of their text messages (an ``edited_message`` update)."""
        message = self._messages[user_id if chat_id is None else chat_id].get(message_id)
        if message is None or message["from"]["id"] != user_id or "text" not in message:
            raise ValueError(f"user {user_id} has no text message {message_id} there")
        message.pop("entities", None)
        message.update(text=new_text, edit_date=self.clock.now())
        return self._push("edited_message", message)

    def press_button(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> JSON:
        """A user presses the inline button with ``callback_data == data`` on a bot message."""
        sender, chat_id = self._ensure_user(user_id), user_id if chat_id is None else chat_id
        message = self._messages[chat_id].get(message_id)
        if message is None or message["from"]["id"] != BOT_ID:
            raise ValueError(f"no bot message {message_id} in chat {chat_id}")
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        buttons = [button.get("callback_data") for row in rows for button in row]
        if data not in buttons:
            raise ValueError(f"message {message_id} has no button {data!r}, only {buttons}")
        self._last_query_id += 1
        query_id = str(self._last_query_id)
        self._queries[query_id] = self.clock.now()
        query = {"id": query_id, "from": sender, "message": message, "data": data}
        query["chat_instance"] = str(chat_id * 2_654_435_761 % 2**62)
        return self._push("callback_query", query)

    def inject_raw(self, update: JSON) -> JSON:
        """Queue an update as is, keeping its update_id (delivered once even if confirmed)."""
        self._last_update_id = max(self._last_update_id, update["update_id"])
        self._updates.append(_Pending(copy.deepcopy(update), forced=True))
        self._notify()
        return update

    # --- reading what the bot did ----------------------------------------------------------------

    @property
    def sent(self) -> list[Call]:
        """Every call the bot made except getUpdates, failed ones included (``error`` set)."""
        return [call for call in self.log if call.method != "getUpdates"]

    def calls(self, method: str) -> list[Call]:
        """Every call of ``method`` (case-insensitive)."""
        name = self._canonical(method)
        return [call for call in self.log if call.method == name]

    def messages(self, chat_id: int) -> list[JSON]:
        """The bot's messages still visible in a chat, as they look now (after edits)."""
        return [m for m in self._messages[chat_id].values() if m["from"]["id"] == BOT_ID]

    def pending_updates(self) -> int:
        """How many updates the bot has not confirmed yet."""
        return len(self._updates)

    async def wait_for(self, predicate: Callable[[], T], *, timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every server event); return it."""
        value = await self._poll(predicate, timeout)
        if not value:
            recent = [call.method for call in self.log[-10:]]
            raise AssertionError(f"condition not met within {timeout}s; last calls: {recent}")
        return value

    async def wait_for_message(
        self, chat_id: int, *, count: int = 1, timeout: float = 5.0, contains: str | None = None
    ) -> list[JSON]:
        """Wait for the next ``count`` messages the bot sends to a chat (per-chat read cursor).

        Returns them as they look now; with ``contains``, one of them must include that text.
        """
        start, outbox = self._cursor[chat_id], self._outbox[chat_id]
        if not await self._poll(lambda: len(outbox) >= start + count, timeout):
            got = [_body(m) for m in outbox[start:]]
            raise AssertionError(f"wanted {count} message(s) in {chat_id} in {timeout}s, got {got}")
        self._cursor[chat_id] = start + count
        new = outbox[start : start + count]
        if contains is not None and not any(contains in _body(m) for m in new):
            raise AssertionError(f"no message contains {contains!r}: {[_body(m) for m in new]}")
        return new

    def assert_no_new_message(self, chat_id: int) -> None:
        """Assert the bot has sent nothing to the chat since the last message waited for.

        It does not wait: first wait on the condition that the bot is done (e.g. every update
        confirmed and handled), then check that nothing came of it.
        """
        start, outbox = self._cursor[chat_id], self._outbox[chat_id]
        if len(outbox) > start:
            raise AssertionError(f"unexpected messages: {[_body(m) for m in outbox[start:]]}")

    # --- faults ----------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally only to ``chat_id``) fail."""
        error = ApiError(code, description, retry_after)
        self._faults.append(_Fault(self._canonical(method), error, times, chat_id))

    def block(self, user_id: int) -> None:
        """The user blocks the bot: every send to them gets 403 until ``unblock``."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        self._blocked.discard(user_id)

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of ``method`` only after ``seconds`` (0 removes the delay)."""
        self._delays[self._canonical(method)] = seconds

    # --- HTTP plumbing ---------------------------------------------------------------------------

    def _canonical(self, method: str) -> str:
        if method.lower() not in self._handlers:
            raise ValueError(f"unknown Bot API method {method!r}")
        return self._handlers[method.lower()][0]

    def _authorized(self, request: web.Request) -> bool:
        self.tokens_seen.add(request.match_info["token"])
        return self.token is None or request.match_info["token"] == self.token

    async def _dispatch(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _reply(ApiError(401))
        method, handler = self._handlers.get(request.match_info["method"].lower(), ("", None))
        if handler is None:
            return _reply(ApiError(404, "Not Found: method not found"))
        call = Call(method, {})
        try:
            call.params = await self._read_params(request)
        except ConnectionResetError:  # the bot died while sending: nothing arrived
            return web.Response(status=400)
        try:
            if delay := self._delays.get(method):
                await self._poll(lambda: False, delay)
            self._raise_fault(method, call.params)
            if method in _SEND_METHODS and call.params.get("chat_id") in self._blocked:
                raise ApiError(403)
            result = handler(call.params)
            call.result = copy.deepcopy(await result if inspect.isawaitable(result) else result)
        except ApiError as error:
            call.error = error
        self.log.append(call)
        self._notify()
        if call.error:
            return _reply(call.error)
        return web.json_response({"ok": True, "result": call.result})

    async def _read_params(self, request: web.Request) -> JSON:
        raw: JSON = dict(request.query)
        if request.body_exists and request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            raw.update(body if isinstance(body, dict) else {})
        elif request.body_exists:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    with value.file:  # a temporary file: close it, or it leaks a ResourceWarning
                        raw[key] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    raw[key] = value
        return {key: _decode(key, value) for key, value in raw.items()}

    def _raise_fault(self, method: str, params: JSON) -> None:
        for fault in self._faults:
            if fault.method == method and fault.chat_id in (None, params.get("chat_id")):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                raise fault.error

    async def _serve_file(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _reply(ApiError(401))
        for stored in self._files.values():
            if stored.meta["file_path"] == request.match_info["path"]:
                mime_type = stored.mime_type or "application/octet-stream"
                return web.Response(body=stored.content, content_type=mime_type)
        return _reply(ApiError(404))

    def _notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def _poll(self, predicate: Callable[[], T], timeout: float) -> T:
        """Re-check ``predicate`` on every event until it is truthy, time is up or we stop."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (value := predicate()) and not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            waiter = loop.create_future()
            self._waiters.add(waiter)
            await asyncio.wait({waiter}, timeout=remaining)
            self._waiters.discard(waiter)
        return value

    # --- state helpers ---------------------------------------------------------------------------

    def _ensure_user(self, user_id: int) -> JSON:
        return self._users.get(user_id) or self.user(user_id)

    def _chat(self, ref: Any) -> JSON:
        if ref is None or ref == "":
            raise bad_request("chat_id is empty")
        if isinstance(ref, str) and ref.startswith("@"):
            ref = next((c["id"] for c in self._chats.values() if c.get("username") == ref[1:]), 0)
        if not isinstance(ref, int) or ref not in self._chats:
            raise bad_request("chat not found")
        return self._chats[ref]

    def _new_message(self, chat: JSON, sender: JSON, content: JSON) -> JSON:
        self._last_message_id[chat["id"]] += 1
        message_id = self._last_message_id[chat["id"]]
        message = {"message_id": message_id, "from": sender, "chat": chat, "date": self.clock.now()}
        message.update(_clean(content))
        self._messages[chat["id"]][message_id] = message
        return message

    def _user_message(
        self, user_id: int, content: JSON, chat_id: int | None = None, reply_to: int | None = None
    ) -> JSON:
        sender = self._ensure_user(user_id)
        chat = self._chats.get(user_id if chat_id is None else chat_id)
        if chat is None:
            raise ValueError(f"unknown chat {chat_id}; register it with group() first")
        target = self._messages[chat["id"]].get(reply_to) if reply_to is not None else None
        if reply_to is not None and target is None:
            raise ValueError(f"no message {reply_to} to reply to in chat {chat['id']}")
        message = self._new_message(chat, sender, content)
        if target is not None:
            message["reply_to_message"] = {
                k: v for k, v in target.items() if k != "reply_to_message"
            }
        return self._push("message", message)

    def _push(self, kind: str, payload: JSON) -> JSON:
        self._last_update_id += 1
        update = {"update_id": self._last_update_id, kind: copy.deepcopy(payload)}
        self._updates.append(_Pending(copy.deepcopy(update)))
        self._notify()
        return update

    def _file_object(self, kind: str, meta: JSON, **fields: Any) -> Any:
        stored = self._files[meta["file_id"]]
        obj = {key: meta[key] for key in ("file_id", "file_unique_id", "file_size")}
        if kind == "photo":
            return [{**obj, "width": 800, "height": 600}]
        if kind == "sticker":
            obj.update(type="regular", width=512, height=512, is_animated=False, is_video=False)
            return {**obj, **fields}
        if kind in ("voice", "video", "audio"):
            obj["duration"] = int(fields.get("duration") or 1)
        if kind == "video":
            obj.update(width=640, height=360)
        if kind != "voice" and stored.file_name:
            obj["file_name"] = stored.file_name
        obj["mime_type"] = stored.mime_type or _MEDIA[kind][1]
        return obj

    # --- Bot API methods -------------------------------------------------------------------------

    def _get_me(self, params: JSON) -> JSON:
        flags = {"can_join_groups": True, "can_read_all_group_messages": False}
        flags.update(supports_inline_queries=False, can_connect_to_business=False)
        return {**self.bot_user, **flags, "has_main_web_app": False}

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])
        offset = params.get("offset")
        if isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        elif isinstance(offset, int):  # confirm everything below offset
            self._updates = [
                p
                for p in self._updates
                if p.update["update_id"] >= offset or (p.forced and not p.delivered)
            ]
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        self.polls_waiting += 1
        self._notify()
        try:
            batch = await self._poll(self._deliverable, float(params.get("timeout") or 0))
        finally:
            self.polls_waiting -= 1
        batch = batch[:limit]
        for pending in batch:
            pending.delivered = True
        return [pending.update for pending in batch]

    def _deliverable(self) -> list[_Pending]:
        if self._allowed_updates:  # like Telegram, updates of other types are dropped
            allowed = {*self._allowed_updates, "update_id"}
            self._updates = [p for p in self._updates if set(p.update) <= allowed]
        return list(self._updates)

    def _delete_webhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {}
        if self._delivery is not None:
            self._delivery.cancel()
            self._delivery = None
        return True

    def _set_webhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params)
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret}
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])
        if self._delivery is None:
            self._delivery = asyncio.get_running_loop().create_task(self._deliver())
        return True

    async def _deliver(self) -> None:
        """Like Telegram with a webhook: POST each update until it is answered 2xx; anything
        else, or no answer, is tried again a little later. A few chats at a time, but one
        chat's updates one after another, each only once the one before was taken (the Bot API
        server keeps a queue per chat: telegram-bot-api/WebhookActor.h)."""
        import aiohttp

        in_flight: set[int] = set()
        posts: set[asyncio.Task[None]] = set()
        retry_at: dict[int, float] = {}
        loop = asyncio.get_running_loop()

        async def post(session: aiohttp.ClientSession, pending: _Pending) -> None:
            update_id = pending.update["update_id"]
            headers = {"Content-Type": "application/json"}
            if self.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
            status = 0
            self.first_posted.setdefault(update_id, time.monotonic())
            try:
                async with session.post(
                    self.webhook["url"], data=json.dumps(pending.update), headers=headers
                ) as response:
                    status = response.status
            except (TimeoutError, aiohttp.ClientError):
                status = 0
            finally:
                in_flight.discard(update_id)
            self.webhook_posts.append(status)
            if 200 <= status < 300:
                self._updates = [p for p in self._updates if p is not pending]
            else:
                retry_at[update_id] = loop.time() + 0.2
            self._notify()

        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                now = loop.time()
                heads: dict[int, _Pending] = {}
                for p in self._deliverable():
                    heads.setdefault(_queue_of(p.update), p)
                due = [
                    p
                    for p in heads.values()
                    if p.update["update_id"] not in in_flight
                    and retry_at.get(p.update["update_id"], 0) <= now
                ]
                for pending in due[: max(0, 8 - len(in_flight))]:
                    in_flight.add(pending.update["update_id"])
                    task = loop.create_task(post(session, pending))
                    posts.add(task)
                    task.add_done_callback(posts.discard)
                await self._poll(lambda: False, 0.05 if retry_at or in_flight else 0.5)

    def _get_webhook_info(self, params: JSON) -> JSON:
        info = {"url": self.webhook.get("url", ""), "has_custom_certificate": False}
        return {**info, "pending_update_count": len(self._updates)}

    @staticmethod
    def _commands_key(params: JSON) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands") or []
        if not all(_BOT_COMMAND_RE.fullmatch(str(c.get("command", ""))) for c in commands):
            raise bad_request("BOT_COMMAND_INVALID")
        self._commands[self._commands_key(params)] = commands
        return True

    def _delete_my_commands(self, params: JSON) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _set_my_description(self, params: JSON) -> bool:
        self.descriptions[params.get("language_code") or ""] = params.get("description") or ""
        return True

    def _format(self, text: str, params: JSON, entities: Any, limit: int) -> tuple[str, Any]:
        if str(params.get("parse_mode") or "").lower() == "html":
            try:
                text, entities = parse_html(text, strict_ampersand=self.strict_ampersand)
            except ValueError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        if len(text) > limit:
            raise bad_request(
                "message is too long" if limit == MAX_TEXT else "message caption is too long"
            )
        return text, entities or None

    def _text(self, params: JSON) -> JSON:
        raw = str(params.get("text") or "")
        text, entities = self._format(raw, params, params.get("entities"), MAX_TEXT)
        if not text.strip():
            raise bad_request("message text is empty")
        return {"text": text, "entities": entities}

    def _caption(self, params: JSON) -> JSON:
        raw = str(params.get("caption") or "")
        caption, entities = self._format(raw, params, params.get("caption_entities"), MAX_CAPTION)
        return {"caption": caption or None, "caption_entities": entities}

    def _markup(self, params: JSON) -> JSON | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
        return markup if "inline_keyboard" in markup else None  # reply keyboards aren't echoed

    def _reply_target(self, chat_id: int, params: JSON) -> JSON | None:
        ref = params.get("reply_parameters") or {}
        if params.get("reply_to_message_id") is not None:
            ref = {"message_id": params["reply_to_message_id"]}
            ref["allow_sending_without_reply"] = params.get("allow_sending_without_reply")
        if not ref:
            return None
        target = self._messages[chat_id].get(ref.get("message_id", 0))
        if target is None and not ref.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return {k: v for k, v in target.items() if k != "reply_to_message"} if target else None

    def _bot_send(self, params: JSON, content: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        extra = {"reply_markup": self._markup(params)}
        extra["reply_to_message"] = self._reply_target(chat["id"], params)
        extra["has_protected_content"] = params.get("protect_content") or None
        message = self._new_message(chat, self.bot_user, {**content, **extra})
        self._outbox[chat["id"]].append(message)
        return message

    def _send_media(self, params: JSON, kind: str) -> JSON:
        value = params.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
        if isinstance(value, Upload):
            meta = self.add_file(
                value.content, file_name=value.filename, mime_type=value.content_type
            )
        elif isinstance(value, str) and value in self._files:
            meta = self._files[value].meta
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            meta = self.add_file(b"", file_name=value.rsplit("/", 1)[-1])
        elif value is None:
            raise bad_request(f"there is no {kind} in the request")
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        fields = _clean({"duration": params.get("duration"), "emoji": params.get("emoji")})
        content = {kind: self._file_object(kind, meta, **fields)}
        return self._bot_send(
            params, {**content, **(self._caption(params) if kind != "sticker" else {})}
        )

    def _send_location(self, params: JSON) -> JSON:
        if params.get("latitude") is None or params.get("longitude") is None:
            raise bad_request("latitude and longitude are required")
        location = {"latitude": params["latitude"], "longitude": params["longitude"]}
        return self._bot_send(params, {"location": location})

    def _message(self, params: JSON, verb: str, chat_key: str = "chat_id") -> JSON:
        chat_id = self._chat(params.get(chat_key))["id"]
        message = self._messages[chat_id].get(params.get("message_id", 0))
        if message is None:
            raise bad_request(f"message to {verb} not found")
        return message

    def _editable(self, params: JSON) -> JSON | None:
        if params.get("inline_message_id"):
            return None  # inline messages aren't tracked; Telegram answers True
        message = self._message(params, "edit")
        if message["from"]["id"] != BOT_ID:
            raise bad_request("message can't be edited")
        return message

    def _edit(self, params: JSON, changes: JSON, message: JSON | None = None) -> JSON | bool:
        """Apply ``changes`` (None removes a field): like Telegram, no reply_markup drops it."""
        message = message or self._editable(params)
        if message is None:
            return True
        changes = {key: value or None for key, value in changes.items()}
        if all(message.get(key) == value for key, value in changes.items()):
            raise bad_request(_NOT_MODIFIED)
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = self.clock.now()
        return message

    def _edit_message_text(self, params: JSON) -> JSON | bool:
        message = self._editable(params)
        if message is not None and "text" not in message:
            raise bad_request("there is no text in the message to edit")
        return self._edit(
            params, {**self._text(params), "reply_markup": self._markup(params)}, message
        )

    def _edit_message_caption(self, params: JSON) -> JSON | bool:
        message = self._editable(params)
        if message is not None and not any(kind in message for kind in _MEDIA):
            raise bad_request("there is no caption in the message to edit")
        changes = {**self._caption(params), "reply_markup": self._markup(params)}
        return self._edit(params, changes, message)

    def _delete_message(self, params: JSON) -> bool:
        message = self._message(params, "delete")
        if self.clock.now() - message["date"] > DELETE_WINDOW:
            raise bad_request("message can't be deleted")
        del self._messages[message["chat"]["id"]][message["message_id"]]
        return True

    def _delete_messages(self, params: JSON) -> bool:
        chat_id = self._chat(params.get("chat_id"))["id"]
        for message_id in params.get("message_ids") or []:
            message = self._messages[chat_id].get(message_id)
            if message is not None and self.clock.now() - message["date"] <= DELETE_WINDOW:
                del self._messages[chat_id][message_id]
        return True

    def _answer_callback_query(self, params: JSON) -> bool:
        created = self._queries.pop(str(params.get("callback_query_id")), None)
        if created is None or self.clock.now() - created > ANSWER_WINDOW:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        return True

    def _copy_message(self, params: JSON) -> JSON:
        content = _content(self._message(params, "copy", "from_chat_id"))
        if "caption" in params and any(kind in content for kind in _MEDIA):
            content.update(self._caption(params))
        return {"message_id": self._bot_send(params, content)["message_id"]}

    def _forward_message(self, params: JSON) -> JSON:
        source = self._message(params, "forward", "from_chat_id")
        origin = {"type": "user", "sender_user": source["from"], "date": source["date"]}
        content = {**_content(source), "forward_origin": source.get("forward_origin", origin)}
        return self._bot_send({**params, "reply_markup": None}, copy.deepcopy(content))

    def _get_chat(self, params: JSON) -> JSON:
        return {**self._chat(params.get("chat_id")), "accent_color_id": 0, "max_reaction_count": 11}

    def _get_chat_member(self, params: JSON) -> JSON:
        chat_id, user_id = self._chat(params.get("chat_id"))["id"], params.get("user_id", 0)
        user = self.bot_user if user_id == BOT_ID else self._users.get(user_id)
        default = {"status": "member" if user else "left"}
        user = user or {"id": user_id, "is_bot": False, "first_name": "Unknown"}
        return {"user": user, **self._members.get((chat_id, user_id), default)}

    def _get_file(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        return dict(stored.meta)
