"""What kind of message a text is: the one decision that routes every incoming text.

`route` first applies rules that are rarely wrong, in a fixed order: danger words, a link, a
plain request for a person, small talk, a question about the bot, nonsense, a forwarded message.
What they leave open (a question, an advert, a personal situation, and what the rules missed) is
decided by a judge: the trained router (`bot.routing`, a built artefact) when it is loaded, or,
without it, the rules below (an advert by its phrasing, a story by its first person, its past
and its plea, otherwise a question). Measured on `evaluation/routing/` by `perevir evaluate
routing`: rules and model chosen on the development splits and by cross-validation only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.advert import find_link, looks_like_advert
from bot.domain.cases import is_emergency
from bot.domain.translit import looks_transliterated, to_cyrillic


class Route(StrEnum):
    """The kinds of message, each with its own kind of reply."""

    QUESTION = "question"
    ADVERT = "advert"
    SITUATION = "situation"
    HUMAN = "human"
    SMALL_TALK = "small_talk"
    ABOUT_BOT = "about_bot"
    DANGER = "danger"
    LINK = "link"
    NONSENSE = "nonsense"


class Chat(StrEnum):
    """Which small talk it is (each has its own short reply in content)."""

    GREETING = "greeting"
    THANKS = "thanks"
    BYE = "bye"
    OK = "ok"


@dataclass(frozen=True)
class Routed:
    """A routing decision: the kind, the small talk it is, and the rule that decided."""

    route: Route
    rule: str
    chat: Chat | None = None


RouteJudge = Callable[[str], Route]
"""A trained decision over a message's text: the kind it most likely is."""


SHORT_WORDS = 6
"""Small talk, requests for a person and questions about the bot are short messages."""
HUMAN_WORDS = 25

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)?", re.UNICODE)


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_HUMAN = _any(
    # a person to talk to
    r"\b(жив\w* люд\w*|жив\w* человек\w*|реальн\w* люд\w*|реальн\w* человек\w*)",
    r"\b(консультант\w*|оператор\w*|людин\w*|людьми|человек\w*|спеціаліст\w*|специалист\w*)\b"
    r".{0,40}\b(поговор\w*|поспілкув\w*|зв['’ʼ]?яз\w*|говор\w*|связ\w*|пообща\w*|напис\w*)",
    r"\b(поговор\w*|поспілкув\w*|зв['’ʼ]?яз\w*|говор\w*|связ\w*|пообща\w*|з['’ʼ]?єднайте|"
    r"соедин\w*|покличте|позовите|дайте|потрібен|потрібна|нужен|нужна|хочу)\b.{0,40}"
    r"\b(консультант\w*|оператор\w*|людин\w*|людьми|человек\w*|спеціаліст\w*|специалист\w*)",
    r"\b(talk|speak|chat|connect|get in touch)\b.{0,30}\b(human|person|someone|somebody|"
    r"counsel+or|operator|agent|advisor|adviser|real people|a real)",
    r"\b(human|real person|live agent|operator|counsel+or)\b.{0,12}\b(please|pls|plz)\b",
    r"^\s*(a )?(human|operator|counsel+or|consultant|real person|оператор\w*|консультант\w*|"
    r"людин\w*|человек\w*)\s*[?!.]*\s*$",
    r"\b(відповіла|відповів|ответил\w*) (людина|человек|жива)",
    r"\b(counsel+or|consultant)\b.{0,20}\b(talk|speak|chat|call)",
    r"\b(talk|speak)\b.{0,30}\bconsultant",
    r"\bсвяж\w*.{0,30}\b(консультант\w*|оператор\w*|человек\w*)",
    r"(є|есть) (тут )?(хтось|кто[- ]?(то|нибудь)?) (живий|живой)|хтось живий|кто[- ]то живой|"
    r"anyone real|someone real|live chat|жив\w* чат|real person",
    r"\b(дайте|дай|поклич\w*|позов\w*|з['’ʼ]?єднайте|соедин\w*|get me|put me through)\b.{0,30}"
    r"\b(оператор\w*|людин\w*|человек\w*|менеджер\w*|manager|person|someone|somebody|"
    r"caseworker|юрист\w*|консультант\w*|когось|кого[- ]?(то|нибудь))",
    r"(передзвон\w*|перезвон\w*|call me|phone me|call back|можна (мені |вам )?зателефонувати\?|"
    r"можно (вам )?позвонить\?|have a call with)",
    r"\b(кимось|кем-то|кем-нибудь|someone|somebody|someone from your team)\b.{0,20}"
    r"\b(поговор\w*|talk|speak|chat)",
    r"\b(talk|speak|chat|переписыв\w*|поспілкуватися|поговорити)\b.{0,30}"
    r"\b(особисто|лично|directly|personally|speaking person|specialist|специалист\w*)",
    r"\b(manager|менеджер\w*|оператор\w*|людин\w*)\b.{0,25}\b(talk|please|будь ласка|пожалуйста|"
    r"дайте|треба|нужен|потрібен|потрібна)",
    r"(daite|dayte|dai|day) (lyudynu|ludynu|operatora|lyudinu)",
    r"\b(is there|can i get|i want|i need|i'd like)\b.{0,20}\b(human|real person|"
    r"counsel+or|operator)",
    r"\b(pohovoryty|pogovoryty|pogovorit)\b.{0,30}\b(ludyn\w*|lyudyn\w*|konsultant\w*|"
    r"operator\w*|chelovek\w*)",
)
_ABOUT_BOT = _any(
    r"\b(хто|кто) (ти|ты|ви|вы)\b",
    r"\b(що|шо|что|чим|чем) (ти|ты|ви|вы) (вмієш|вмiєш|умеешь|можеш|можешь|робиш|делаешь|"
    r"вмієте|умеете|можете)",
    r"\b(ти|ты|ви|вы) (бот|робот|людина|человек|жив\w*|справжн\w*|настоящ\w*)\b",
    r"\b(це|это) (бот|робот)\b",
    r"\bwho (are|r) (you|u)\b",
    r"\bwhat (can|do) (you|u) do\b",
    r"\b(are|r) (you|u) (a )?(bot|robot|human|real|person|ai|machine)\b",
    r"\bwho (made|built|created|runs|is behind) (you|this)\b",
    r"\b(хто|кто) (тебе|тебя|вас) (створив|создал|зробив|сделал)",
    r"\b(is this|are you) (bot )?(anonymous|private|confidential)\b",
    r"\b(це|это) (анонімно|анонимно|конфіденційно|конфиденциально)\b",
    r"\bwhat is this bot\b|\bщо це за бот\b|\bчто это за бот\b",
    r"\b(khto ty|shcho ty vmiyesh|shcho ty vmiesh)\b",
    r"\b(бот\w*|bot|chatgpt|gpt)\b",
    r"\b(тобі|тебе|тебя|вам|you) (можна )?(довіряти|доверять|trust)",
    r"\b(якими мовами|на каких языках|what languages|which languages)\b",
    r"\b(звідки|откуда) (ти|ты|ви|вы) (знаєш|знаешь|берете|береш)",
    r"\bwhere do (you|u) get\b",
    r"\b(видалити|удалить|delete|erase) (все|всё|усе|my|everything|мої|мои)",
    r"(чат ?gpt|чатgpt|chatgpt|\bші\b|\bии\b|\bai\b|штучн\w* інтелект|искусственн\w* интеллект)",
    r"\b(do you|does (the|this) bot|ти|ты|ви|вы) (зберіга\w*|храни\w*|сохраня\w*|store|keep|"
    r"save)",
    r"\b(мої|мои|my) (повідомлення|сообщения|messages|дані|данные|data)\b.{0,20}"
    r"(зберіга\w*|сохраня\w*|stored|saved|kept)",
    r"\b(стерти|видалити|удалить|delete|erase)\b.{0,30}\b(дані|данные|data|повідомлення|"
    r"сообщения|messages)",
    r"\b(ти|ты|you) (розумієш|понимаешь|understand) (українськ|русск|ukrain|russian|english|англ)",
    r"\b(ти|ты|ви|вы|you|бот) (безкоштовн\w*|бесплатн\w*|free)\b",
    r"(хто|кто|who) (за вами|за тобой|is behind) |яка організація|какая организация|"
    r"which organi[sz]ation|run by (the )?(government|state)",
    r"\b(share|передаєте|передаете|передаєш|передаешь)\b.{0,25}\b(police|поліц\w*|полиц\w*)",
    r"\btrust (your|you)\b|довіряти (тобі|вам|твоїм)|доверять (тебе|вам)",
    r"\b(ти|ты|ви|вы|you) (вмієш|умеешь|можеш|можешь|can) (перевір|провер|check)",
    r"\btse anonimno\b",
)
_CHAT: dict[Chat, re.Pattern[str]] = {
    Chat.GREETING: _any(
        r"^(привіт\w*|привет\w*|вітаю|здрав\w*|добр\w* (день|ранок|ранку|вечір|вечора|вечер|утро)|"
        r"добрий|доброго|доброе|hello|hi|hey|hiya|good (morning|afternoon|evening)|"
        r"privit|pryvit|dobryi den|dobryj den|salut|хай|хелоу|ку|hola)\b"
    ),
    Chat.THANKS: _any(
        r"\b(дякую|дяки|дякс|спасибі|спасибо|спс|благодарю|дуже вдячн\w*|вдячн\w*|"
        r"thank\w*|thx|thnx|ty|cheers|dyakuyu|diakuiu|spasibo)\b"
    ),
    Chat.BYE: _any(
        r"^(бувай\w*|до побачення|до свидания|пока|па|бай|bye|goodbye|see (you|ya)|"
        r"на все добре|всього доброго|всего доброго|good night|на добраніч|спокійної ночі)\b"
    ),
    Chat.OK: _any(
        r"^(ок|окей|оки|ok|okay|okey|k|kk|добре|ясно|зрозуміло|понятно|понял\w*|зрозумів\w*|"
        r"ага|угу|так|да|yes|yep|yeah|sure|cool|nice|super|супер|клас|класно|чудово|"
        r"лол|lol|хаха\w*|haha\w*|ахах\w*|got it|fine|alright|норм|нормально)\b"
    ),
}
_KEYBOARD_ROWS = (
    "йцукенгшщзхїъ",
    "фівапролджєыэ",
    "фывапролджэ",
    "ячсмитьбю",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
)
_TEST_WORDS = frozenset({"тест", "test", "testing", "проверка", "перевірка", "asdf", "qwerty"})

_FIRST_PERSON = _any(
    r"\b(я|мені|мене|мій|моя|моє|мої|моєї|мого|ми|нам|нас|наш\w*|мне|меня|мой|мою|моей|"
    r"моего|мы|i|i'm|i've|i'd|me|my|we|us|our)\b"
)
_RELATIVE = _any(
    r"\b(брат\w*|сестр\w*|син\w*|сын\w*|донь\w*|дочк\w*|доч\w*|чолов\w*|муж\w*|дружин\w*|"
    r"жена|жін\w*|мам\w*|тато|батьк\w*|отец|папа|подруг\w*|друг\w*|знайом\w*|знаком\w*|"
    r"brother|sister|son|daughter|husband|wife|mother|mom|mum|father|dad|friend|cousin)\b"
)
_PAST_OR_ONGOING = _any(
    # Ukrainian and Russian past tense and "they did to me" verbs
    r"\b\w{3,}(ла|ли|лась|лися|лись)\b",
    r"\b\w{3,}(ив|ав|ів|ял|ил|ал)\b",
    r"\b(працюю|работаю|живу|чекаю|жду|поїхав\w*|поехал\w*|приїхав\w*|приехал\w*)\b",
    # English
    r"\b\w{3,}ed\b",
    r"\b(paid|took|gave|told|said|sent|went|came|got|lost|been|was|were|had|have been|"
    r"left|kept|stole|owe|owes|work|working)\b",
)
_PLEA = _any(
    r"що (мені|нам|їй|йому|їм) (робити|тепер робити|зараз робити)|що робити|що тепер",
    r"что (мне|нам|ей|ему|им) (делать|теперь делать)|что делать|что теперь",
    r"what (should|can|do) (i|we) do|what now|can i get my|how (do|can) i get (my|it|them)|"
    r"is it legal (that|for)|help me",
    r"допоможіть|помогите|підкажіть|подскажите|порадьте|посоветуйте",
    r"по такому (оголошенню|объявлению)|за (цим|таким) оголошенням|по объявлению|"
    r"saw an? (ad|advert)|answered an? (ad|advert)",
)
_HARM = _any(
    r"\b(забрал\w*|відібрал\w*|отобрал\w*|не заплат\w*|не платять|не платят|не виплат\w*|"
    r"обману\w*|ошукал\w*|обдурил\w*|заблокув\w*|заблокир\w*|звільнил\w*|уволил\w*|"
    r"змушу\w*|примушу\w*|заставля\w*|погрожу\w*|угрожа\w*|половин\w* зарплат\w*)",
    r"\b(blocked me|took (my|his|her|our|their)|kept (my|his|her|our|their)|"
    r"did ?n[o']t pay|have ?n[o']t paid|has ?n[o']t paid|not paid|unpaid|scammed|cheated|"
    r"forced|fired me|threaten\w*|only half)",
)
_ADVERT = _any(
    r"\b(пропонуємо|предлагаем|шукаємо|ищем|запрошуємо|приглашаем|потрібні|потрібен|"
    r"требуются|требуется|набираємо|набираем|вимоги|требования|умови роботи|условия работы|"
    r"обов['’ʼ]язки|обязанности|графік|график|we offer|we are looking|looking for|requirements|"
    r"responsibilities|apply now|hiring|join our team|benefits|wanted)\b"
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _is_nonsense(text: str, words: list[str]) -> bool:
    """No words at all (digits and dots), a keyboard mash, or a test string."""
    stripped = text.strip()
    if not words:
        return not _only_emoji(stripped)
    if len(words) <= 4 and all(_vowelless(w) for w in words):
        return True
    if len(words) > 2:
        return False
    joined = "".join(words)
    if len(joined) >= 3 and len(set(joined)) <= 2:  # "ііііі", "ыыыы", "ґґґ"
        return True
    if joined in _TEST_WORDS:
        return True
    if len(joined) >= 4 and any(joined in row or joined in row[::-1] for row in _KEYBOARD_ROWS):
        return True
    return len(joined) >= 5 and _vowelless(joined)


_VOWELS = frozenset("аеєиіїоуюяыэёaeiouy")


def _vowelless(word: str) -> bool:
    return len(word) >= 4 and not any(ch in _VOWELS for ch in word)


def _only_emoji(text: str) -> bool:
    """Emoji, hearts and hands, with nothing else but spaces and punctuation."""
    meaningful = [ch for ch in text if not ch.isspace() and ch not in ".,!?:;-()…"]
    return bool(meaningful) and all(ord(ch) >= 0x2190 or ch in "\u200d\ufe0f" for ch in meaningful)


def _small_talk(text: str, words: list[str]) -> Chat | None:
    if _only_emoji(text):
        return Chat.THANKS if any(ch in text for ch in "🙏❤♥💙💛🤗") else Chat.OK
    if len(words) > SHORT_WORDS or ("?" in text and len(words) > 2):
        return None
    lowered = " ".join(words)
    for chat, pattern in _CHAT.items():
        if pattern.search(lowered):
            rest = [w for w in words if not pattern.fullmatch(w)]
            if len(rest) <= 3:
                return chat
    return None


_OFFER_PARTS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # pay
        r"(\d[\d\s.,]*\s*(€|\$|£|₩|zł|zl|зл|грн|eur|euro|євро|евро|usd|pln|czk|cad|aud|nok|sek|"
        r"руб|вон|won|лей|lei|доллар\w*|долар\w*|dollars?|млн)|(€|\$|£|₩)\s*\d)",
        r"(/год|/час|/h\b|/hour|/міс|/мес|/month|per hour|per month|в день|на день|a day|"
        r"per day|per trip|за годину|за час|brutto|netto|брутто|нетто)",
        # a vacancy
        r"\b(вакансі\w*|ваканси\w*|vacanc\w*|hiring|wanted|needed|требуют\w*|требуется|"
        r"потрібн\w*|шукаємо|ищем|запрошуємо|приглашаем|набираємо|набираем|"
        r"looking for (workers|girls|people|staff|drivers)|є робота|есть работа|є варіант|"
        r"есть вариант|got something|маю для тебе|have a job|робота онлайн|работа на дому|"
        r"є місце|есть место|easy job|легка робота|легкая работа|robota v|rabota v|"
        r"workers needed|thanks for applying)",
        # conditions
        r"\b(житло|жильё|жилье|проживання|проживание|housing|accommodation|"
        r"без досвіду|без опыта|no experience|без знання мови|без знания языка|no papers)",
        # a contact
        r"(пиши\w*|пишіть|напиши\w*|text me|message me|dm me|write to|whatsapp|viber|"
        r"вайбер|telegram|телеграм|@\w{3,}|\+\d{2,})",
        # an employer's terms
        r"\b(контракт\w*|договір|договор\w*|umowa|contract|оформлення|оформление|"
        r"official\w*|офіційн\w*|официальн\w*|графік|график|shifts?|змін\w*|смен\w*)\b",
    )
)
"""The kinds of phrasing a job offer has; `advert_score` counts how many a text shows."""
SITUATION_SCORE = 2
"""From this `situation_score` on, a message of a few lines is the writer's story (dev.yaml)."""
ADVERT_KINDS = 2
"""A text of a few lines with two kinds of it (pay and a contact, say) reads as an advert."""


def advert_score(text: str) -> int:
    """How many kinds of job-offer phrasing a text has (pay, a vacancy, housing, a contact...)."""
    return sum(bool(part.search(text)) for part in _OFFER_PARTS)


def situation_score(text: str) -> int:
    """How much a text reads as the writer's own story: first-person or a relative, things
    done or ongoing, and a plea; adverts' phrasing counts against."""
    score = 0
    if _FIRST_PERSON.search(text) or _RELATIVE.search(text):
        score += 1
    score += min(2, len(_PAST_OR_ONGOING.findall(text)) // 2)
    if _HARM.search(text):
        score += 1
    if _PLEA.search(text):
        score += 2
    if _ADVERT.search(text):
        score -= 2
    return score


def route(
    text: str,
    *,
    forwarded: bool = False,
    awaiting_advert: bool = False,
    judge: RouteJudge | None = None,
) -> Routed:
    """The kind of a message (forwarded: from someone else; awaiting_advert: the person was
    asked for an advert; judge: the trained router, else the rules decide)."""
    if find_link(text) is not None and not is_emergency(text):
        return Routed(Route.LINK, "mostly a link")
    if looks_transliterated(text):  # Ukrainian in Latin letters: the rules read it in Cyrillic
        text = to_cyrillic(text)
    words = _words(text)
    if is_emergency(text):
        return Routed(Route.DANGER, "danger words")
    if len(words) <= HUMAN_WORDS and _HUMAN.search(text):
        return Routed(Route.HUMAN, "asks for a person")
    chat = _small_talk(text, words)
    if chat is not None:
        return Routed(Route.SMALL_TALK, f"small talk: {chat.value}", chat)
    if len(words) <= 12 and _ABOUT_BOT.search(text):
        return Routed(Route.ABOUT_BOT, "asks about the bot")
    if _is_nonsense(text, words):
        return Routed(Route.NONSENSE, "no words")
    if forwarded:
        return Routed(Route.ADVERT, "forwarded")
    if judge is not None:
        kind = judge(text)
        if awaiting_advert and kind is Route.QUESTION:
            return Routed(Route.ADVERT, "an advert was asked for")
        return Routed(kind, "the trained router")
    story = situation_score(text)
    offer = advert_score(text)
    asks = text.rstrip().endswith("?") and len(words) < 20 and offer < ADVERT_KINDS + 1
    if story < 3 and (looks_like_advert(text) or (len(words) >= 8 and offer >= ADVERT_KINDS)):
        if asks:  # a short question about an offer ("…is it true or a scam?") is a question
            return Routed(Route.QUESTION, "asks about an offer")
        return Routed(Route.ADVERT, "reads like an advert")
    if len(words) >= 8 and story >= SITUATION_SCORE:  # a story is never checked as an advert
        return Routed(Route.SITUATION, "the writer's own story")
    if awaiting_advert:
        return Routed(Route.ADVERT, "an advert was asked for")
    return Routed(Route.QUESTION, "otherwise a question")
