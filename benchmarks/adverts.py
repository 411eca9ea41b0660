"""Realistic job adverts for the checker benchmark: about 300 words, and Telegram's 4,096 chars."""

from __future__ import annotations

TELEGRAM_LIMIT = 4096

UK_300 = """\
🔥 ТЕРМІНОВО! Робота в Польщі на складі інтернет-магазину (м. Вроцлав) 🔥

Шукаємо чоловіків, жінок та сімейні пари віком від 18 до 55 років. Досвід роботи не потрібен, \
знання польської мови не обовʼязкове, всьому навчимо на місці.

Обовʼязки: комплектація замовлень за сканером, пакування товару, наклеювання етикеток, \
сортування посилок, прибирання робочої зони. Робота проста, в теплому приміщенні, без важких \
вантажів.

Графік: 6 днів на тиждень по 10–12 годин, денні та нічні зміни за бажанням. Можливі понаднормові \
години, які оплачуються окремо.

Оплата: від 25 до 32 злотих нетто за годину, тобто від 6000 до 8000 злотих на місяць на руки. \
Аванс щотижня, основна виплата раз на місяць на картку або готівкою.

Житло: надаємо гуртожиток поруч зі складом, кімнати на 3–4 особи, кухня, пральна машина, Wi-Fi. \
Вартість житла 600 злотих на місяць утримується із зарплати. Доїзд на роботу службовим \
автобусом безкоштовно.

Документи: біометричний паспорт. Офіційне працевлаштування, допомагаємо з PESEL та відкриттям \
рахунку в банку. Договір підписується після приїзду, перший місяць — випробувальний термін без \
договору.

Увага! Кількість місць обмежена, набір до кінця тижня. Для бронювання місця необхідно внести \
передоплату 150 євро за оформлення документів та квиток на автобус. Гроші повертаються з першої \
зарплати. Паспорти працівників на час оформлення документів зберігає координатор, щоб нічого не \
загубилось.

Пишіть тільки в Telegram або Viber менеджеру Олені, дзвінки не приймаємо. На сайті агенції \
інформації немає, всі деталі — в особистих повідомленнях. Не пишіть у коментарях, конкуренти \
копіюють наші вакансії.

Також є вакансії на заводі з виробництва меблів, у теплицях на збиранні овочів та в готелях \
покоївками. Для дівчат є легка робота в нічному клубі, оплата від 3000 євро на місяць, житло \
безкоштовне, деталі тільки особисто. Квитки купуємо самі, вартість потім вираховуємо з перших \
зарплат. Поспішайте, пропозиція діє лише цього тижня! Ми працюємо з 2015 \
року, у нас понад 500 задоволених працівників з України, відповідаємо на повідомлення швидко.
"""

UK_MORE = """
Відповіді на часті запитання кандидатів.

Чи потрібна віза? Ні, достатньо біометричного паспорта, далі все оформлює наш координатор на \
місці. Легалізацію робимо протягом трьох місяців, поки що працюєте за внутрішньою угодою фірми.

Коли перша зарплата? Перша виплата через 45 днів після початку роботи, до цього можна брати \
аванс 200 злотих на тиждень на продукти. Якщо людина звільняється раніше ніж через три місяці, \
аванс, житло і квиток вираховуються повністю, а за порушення правил гуртожитку стягується штраф \
від 100 до 500 злотих.

Чи можна приїхати з друзями? Так, приймаємо групи до 10 людей, за кожного приведеного друга \
бонус 300 злотих після його першого місяця. Сімейним парам даємо окрему кімнату за доплату.

Як проходить дорога? Автобус з Києва, Львова або Рівного щопонеділка. На кордоні кажіть, що \
їдете в гості або на відпочинок, про роботу краще не згадувати, так швидше. Вас зустріне наш \
водій з табличкою, телефон дамо перед виїздом.

Що взяти з собою? Робочий одяг і взуття, постільну білизну, ліки, гроші на перший тиждень. \
Телефон на роботі здається на зберігання на початку зміни, це вимога безпеки складу.

Чи можна змінити роботу? Перші шість місяців переведення на інший обʼєкт тільки за рішенням \
координатора. Якщо хочете поїхати раніше, треба попередити за місяць і повністю розрахуватися \
за житло, квиток та оформлення.

Додатково шукаємо дівчат 18–30 років без шкідливих звичок для роботи адміністраторками та \
моделями в Дубаї та Туреччині. Зарплата від 4000 доларів, квиток, віза і житло за рахунок \
роботодавця, досвід не потрібен, фото в купальнику надсилайте менеджеру в особисті. Анкету \
заповнюйте швидко, місць мало, батькам і знайомим про співбесіду краще не розповідати до \
підписання контракту.
"""

EN_300 = """\
🔥 URGENT HIRING! Warehouse workers for an online shop in Birmingham, UK 🔥

We are looking for men, women and couples aged 18 to 55. No experience needed, no English \
required, full training on site from our friendly team.

Duties: picking orders with a scanner, packing goods, labelling boxes, sorting parcels and \
keeping your area clean. Easy work in a warm building, nothing heavy to lift.

Schedule: 6 days a week, 10 to 12 hours a day, day and night shifts as you like.

Pay: from £14 to £18 per hour after tax, that is £2,800 to £3,600 a month in your hand.

Accommodation: shared house next to the warehouse, rooms for 3 to 4 people, kitchen, washing \
machine and Wi-Fi. Rent of £450 a month is taken from your wages.

Documents: biometric passport only. Official employment, we help with the National Insurance \
number and a bank account. The contract is signed after you arrive; the first month is a \
trial period without a contract.

Attention! Places are limited, recruitment closes at the end of the week. To book your place \
you must pay a deposit of 250 euros for paperwork and the bus ticket. The money is returned \
from your first salary. Workers' passports are kept by the coordinator while the papers are \
processed, so nothing gets lost.

Write only on Telegram or WhatsApp to our manager Olena, we do not take calls. There is no \
information on the agency website, all details in private messages.

We also have vacancies at a furniture factory, in greenhouses picking vegetables and in hotels \
as housekeepers. For girls there is easy work in a night club, from 3,000 euros a month, free \
accommodation, details only in private. We buy the tickets ourselves and take the cost from \
the first wages. Hurry, this offer is valid this week only!
"""

EN_MORE = """
Answers to the questions candidates ask most.

Do I need a visa? No, a biometric passport is enough, our coordinator arranges everything on \
site. We sort out the legal papers within three months; until then you work under the \
company's internal agreement.

When is the first payday? The first payment comes 45 days after you start; until then you can \
take an advance of £50 a week for food. If you leave before three months, the advance, rent \
and ticket are deducted in full, and breaking the house rules costs a fine of £30 to £150.

Can I come with friends? Yes, we take groups of up to 10 people, with a £100 bonus for every \
friend you bring after their first month. Couples get a private room for an extra charge.

How is the journey? A bus leaves Kyiv, Lviv or Rivne every Monday. At the border say you are \
visiting friends or on holiday, better not to mention work, it is faster. Our driver will meet \
you with a sign; we give you his phone number before you leave.

What should I bring? Work clothes and shoes, bed linen, medicine and money for the first week. \
Phones are handed in at the start of each shift, it is a warehouse security rule.

Can I change jobs? For the first six months a move to another site is only by the \
coordinator's decision. If you want to leave earlier you must give a month's notice and pay \
back the rent, the ticket and the paperwork in full.

We are also looking for girls aged 18 to 30 with no bad habits to work as hostesses and models \
in Dubai and Turkey. Salary from 4,000 dollars, ticket, visa and accommodation paid by the \
employer, no experience needed, send photos in a swimsuit to the manager in private. Fill in \
the form quickly, few places left, and better not to tell parents or friends about the \
interview until the contract is signed.
"""


def fill_to(text: str, more: str, limit: int = TELEGRAM_LIMIT) -> str:
    """`text` followed by `more`, cut at a word boundary to at most `limit` characters."""
    joined = (text + more).strip()
    while len(joined) < limit:
        joined = f"{joined}\n\n{more.strip()}"
    return joined[:limit].rsplit(" ", 1)[0]


def label(lang: str, text: str) -> str:
    """A short name of an advert: its language, words and characters."""
    return f"{lang}, {len(text.split())} words / {len(text)} chars"


ADVERTS = {
    label(lang, text): text
    for lang, text in (
        ("uk", UK_300),
        ("en", EN_300),
        ("uk", fill_to(UK_300, UK_MORE)),
        ("en", fill_to(EN_300, EN_MORE)),
    )
}
SHORT = tuple(ADVERTS)[:2]  # the ~300-word adverts the target is about
