"""The villages' household lists and the pupils' families: which family is which listed
household, and what a ward's or commune's lists hold. Plain functions over a session, no HTTP.

Matching (issue 18): a pupils' family (lms.models.Household: pupils and the guardians linked
to them) is the listed household that has one of its guardians' phones. One family is one
listed household and the other way round; when phones point several ways, a pair already
matched stays, then the pair sharing the most phones wins, then the lowest ids. A family
already matched to a household of another unit's list is left there. A family on no list
stays a household as it always was.

`match_households(session, unit_id)` works the whole unit out again from the phones as they
are now, so it can run any number of times: it runs at the end of a household import, and
for the units whose lists hold a guardian's phone when guardians are imported or pair
(`match_for_phones`). A family merged into another loses its match with its row (the foreign
key sets NULL), and the next matching gives it to the family it joined.
"""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from lms.campaign import snapshots, tally
from lms.models import ListedHousehold, User, Village
from lms.people.names import name_sort_key

_CHUNK = 500  # values per IN (...), below every database's limit
_LIKE_AT_MOST = 20  # phones looked up with LIKE; more: the lists are read once


@dataclass(frozen=True)
class Matching:
    matched: int  # the unit's listed households matched to a pupils' family
    changed: int  # matches made, moved or undone by this run


def phones_of(text: str) -> list[str]:
    return [phone for phone in text.split(", ") if phone]


def match_households(session: Session, unit_id: int) -> Matching:
    """Match the unit's listed households to pupils' families by phone, in the caller's
    transaction (the caller commits)."""
    listed = session.execute(
        select(ListedHousehold.id, ListedHousehold.phones, ListedHousehold.household_id)
        .join(Village, Village.id == ListedHousehold.village_id)
        .where(Village.unit_id == unit_id)
    ).all()
    by_phone: dict[str, list[int]] = {}
    for listed_id, phones, _ in listed:
        for phone in phones_of(phones):
            by_phone.setdefault(phone, []).append(listed_id)
    shared: Counter[tuple[int, int]] = Counter()
    for chunk in _chunks(sorted(by_phone)):
        families = session.execute(
            select(User.phone, User.household_id).where(
                User.role == "parent", User.phone.in_(chunk), User.household_id.is_not(None)
            )
        )
        for phone, household_id in families:
            for listed_id in by_phone[phone]:
                shared[(listed_id, household_id)] += 1
    elsewhere: set[int] = set()
    for chunk in _chunks(sorted({household_id for _, household_id in shared})):
        elsewhere.update(
            session.scalars(
                select(ListedHousehold.household_id)
                .join(Village, Village.id == ListedHousehold.village_id)
                .where(Village.unit_id != unit_id, ListedHousehold.household_id.in_(chunk))
            )
        )
    current = {listed_id: household_id for listed_id, _, household_id in listed}
    ranked = sorted(shared, key=lambda pair: (current.get(pair[0]) != pair[1], -shared[pair], pair))
    chosen: dict[int, int] = {}
    taken: set[int] = set(elsewhere)
    for listed_id, household_id in ranked:
        if listed_id not in chosen and household_id not in taken:
            chosen[listed_id] = household_id
            taken.add(household_id)
    changes = [
        {"listed": listed_id, "household": chosen.get(listed_id)}
        for listed_id, household_id in current.items()
        if chosen.get(listed_id) != household_id
    ]
    if changes:
        table = ListedHousehold.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("listed"))
            .values(household_id=bindparam("household")),
            changes,
        )
        snapshots.touch(session)  # written without the ORM: stored figures are stale
        tally.mark(session, *(f"v:{change['listed']}" for change in changes))  # kept counts follow
    return Matching(len(chosen), len(changes))


def match_for_phones(session: Session, phones) -> list[int]:
    """Match again the units whose lists hold a phone of these guardians' families (their
    own, or another guardian's of the same family, which a merge may have brought in): after
    guardians are imported or pair. The units matched again, by id."""
    phones = sorted({phone for phone in phones if phone})
    if not phones or session.scalar(select(ListedHousehold.id).limit(1)) is None:
        return []
    households: set[int] = set()
    for chunk in _chunks(phones):
        households.update(
            session.scalars(
                select(User.household_id).where(User.phone.in_(chunk), User.household_id.is_not(None))
            )
        )
    family_phones = set(phones)
    for chunk in _chunks(sorted(households)):
        family_phones.update(
            session.scalars(
                select(User.phone).where(
                    User.role == "parent", User.household_id.in_(chunk), User.phone.is_not(None)
                )
            )
        )
    units = units_listing(session, family_phones)
    for unit_id in units:
        match_households(session, unit_id)
    return units


def units_listing(session: Session, phones) -> list[int]:
    """The units whose household lists hold any of these phones, by id."""
    phones = sorted(set(phones))
    if not phones:
        return []
    query = select(Village.unit_id, ListedHousehold.phones).join(
        ListedHousehold, ListedHousehold.village_id == Village.id
    )
    if len(phones) <= _LIKE_AT_MOST:  # a pairing: a few phones, one scan in the database
        query = query.where(or_(*(ListedHousehold.phones.contains(phone) for phone in phones)))
    wanted = set(phones)
    return sorted({unit_id for unit_id, text in session.execute(query) if wanted & set(phones_of(text))})


def listed_households(unit_ids=None) -> Select:
    """The listed households, one row each: (listed_id, unit_id, village_id, household_id),
    household_id the matched pupils' family or NULL. Of some units, or of all (None). The
    campaign's household indicator over the village lists counts these rows (the households
    listed in a unit) and, of them, those whose family is covered."""
    query = select(
        ListedHousehold.id.label("listed_id"),
        Village.unit_id.label("unit_id"),
        Village.id.label("village_id"),
        ListedHousehold.household_id.label("household_id"),
    ).join(Village, Village.id == ListedHousehold.village_id)
    if unit_ids is not None:
        query = query.where(Village.unit_id.in_(sorted(unit_ids)))
    return query


@dataclass(frozen=True)
class VillageFigures:
    village: Village
    listed: int  # households on its list
    matched: int  # of them, matched to a pupils' family


def villages_of(session: Session, unit_id: int) -> list[VillageFigures]:
    """The unit's villages by name, with their households listed and matched."""
    counts = (
        select(
            ListedHousehold.village_id,
            func.count(ListedHousehold.id).label("listed"),
            func.count(ListedHousehold.household_id).label("matched"),
        )
        .group_by(ListedHousehold.village_id)
        .subquery()
    )
    rows = session.execute(
        select(Village, counts.c.listed, counts.c.matched)
        .outerjoin(counts, counts.c.village_id == Village.id)
        .where(Village.unit_id == unit_id)
    ).all()
    figures = [VillageFigures(village, listed or 0, matched or 0) for village, listed, matched in rows]
    return sorted(figures, key=lambda f: (name_sort_key(f.village.name), f.village.code))


def _chunks(values: list) -> list[list]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]
