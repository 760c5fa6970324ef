"""Residents and staff: names, valid ID numbers and mobiles, households, tags.

Persons are built as unsaved ``Person`` objects through ``set_id_number``,
``set_mobile`` and ``set_sensitive``, so the ciphertext, blind index and masked
forms are the real ones, and then bulk-inserted (thousands of rows).

Determinism: every draw comes from the seeded ``rng`` / ``fake`` in a fixed order,
and no draw depends on ``today`` (dates are computed from draws, never drawn
between date bounds), so the same seed gives the same names, tags and
households on any day; only birth dates and ID numbers shift with ``today``.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass, field

import phonenumbers
from faker import Faker
from stdnum.cn import ric

from redprop.demo.seed import catalog as cat
from redprop.people.models import Person
from redprop.territory.choices import CompoundKind, OccupantRelation

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
)  # fmt: skip

# Household make-up of owner-occupied units, by compound kind (weights, %).
COMPOSITIONS = ("elderly_alone", "elderly_couple", "couple", "family", "three_gen", "single")
COMPOSITION_WEIGHTS: dict[str, tuple[int, ...]] = {
    CompoundKind.OLD: (9, 18, 15, 33, 17, 8),
    CompoundKind.DORMITORY: (10, 20, 14, 30, 18, 8),
    CompoundKind.ABANDONED: (8, 16, 15, 36, 17, 8),
    CompoundKind.COMMODITY: (2, 6, 22, 50, 12, 8),
    CompoundKind.RESETTLEMENT: (5, 12, 14, 38, 25, 6),
    CompoundKind.VILLAGE: (6, 12, 10, 34, 33, 5),
}
# (vacant, rented) shares of units by kind: resettlement compounds have many
# migrant tenants (打工租住户, article 002).
OCCUPANCY_SHARES: dict[str, tuple[float, float]] = {
    CompoundKind.OLD: (0.05, 0.12),
    CompoundKind.DORMITORY: (0.06, 0.15),
    CompoundKind.ABANDONED: (0.08, 0.15),
    CompoundKind.COMMODITY: (0.06, 0.12),
    CompoundKind.RESETTLEMENT: (0.04, 0.22),
    CompoundKind.VILLAGE: (0.03, 0.10),
}
LOW_INCOME_SHARE: dict[str, float] = {
    CompoundKind.OLD: 0.05,
    CompoundKind.DORMITORY: 0.05,
    CompoundKind.ABANDONED: 0.07,
    CompoundKind.COMMODITY: 0.01,
    CompoundKind.RESETTLEMENT: 0.08,
    CompoundKind.VILLAGE: 0.08,
}
UNSOLD_SHARE = 0.03  # commodity compounds with a developer
PARTY_SHARE = 0.07  # of adults (about the national share); 0.10 of the elderly
DISABILITY_SHARE = (0.015, 0.05)  # under 60, 60 and over
VETERAN_SHARE = 0.03  # of men 25–75
LAND_LOST_SHARE = 0.7  # of adults 30+ in Jinghe's resettlement compounds and villages

SENSITIVE_TAGS = ("elderly_alone", "child", "disability", "low_income", "party_member")
PLAIN_TAGS = ("elderly", "land_lost_farmer", "veteran", "tenant")


@dataclass
class NewPerson:
    """An unsaved Person with what the seeder needs to know about them later."""

    person: Person
    age: int
    # Plaintext kept in memory only while seeding, to register staff through the service.
    id_number: str = ""
    mobile: str = ""
    plain_tags: list[str] = field(default_factory=list)
    sensitive_tags: list[str] = field(default_factory=list)

    @property
    def is_adult(self) -> bool:
        return self.age >= 18

    @property
    def is_party_member(self) -> bool:
        return "party_member" in self.sensitive_tags

    def staff_kwargs(self) -> dict[str, object]:
        """Arguments for ``people.services.person_create`` (staff go through the service)."""
        return {
            "name": self.person.name,
            "gender": self.person.gender,
            "id_number": self.id_number,
            "mobile": self.mobile,
            "tags": sorted(self.plain_tags + self.sensitive_tags),
        }


@dataclass
class Household:
    """Who owns a unit and who lives there."""

    owners: list[NewPerson]
    occupants: list[tuple[NewPerson, str]]
    developer_unsold: bool = False
    vacant: bool = False
    rented: bool = False

    @property
    def head(self) -> NewPerson | None:
        return next((p for p, rel in self.occupants if rel == OccupantRelation.HEAD), None)


class PeopleFactory:
    def __init__(self, rng: random.Random, fake: Faker, today: dt.date) -> None:
        self.rng = rng
        self.fake = fake
        self.today = today
        self._mobiles: set[str] = set()
        self._id_seq: dict[str, int] = {}

    # --- identifiers -------------------------------------------------------------------
    def id_number(self, city: cat.CitySpec, birth: dt.date, male: bool, code: str) -> str:
        """A valid 居民身份证 number: region code, birth date, sequence, check digit.

        ``code`` is tried first; if the GB 11643 table has no such county in the
        birth year (stdnum checks this) the city's fallback codes are used. The
        sequence is a counter per (code, date), so numbers never collide and no
        random draw depends on the date.
        """
        for prefix in (code, *city.id_fallback):
            stem = f"{prefix}{birth:%Y%m%d}"
            n = self._id_seq.get(stem, 0)
            # Start somewhere that looks arbitrary but is fixed (CRC of the stem).
            seq = (zlib.crc32(stem.encode()) % 400 + 2 * n) % 500 * 2 + (1 if male else 0)
            body = f"{stem}{seq:03d}"
            number = body + ric.calc_check_digit(body + "X")
            if ric.is_valid(number):
                self._id_seq[stem] = n + 1
                return number
        raise ValueError(f"no valid region code for {city.key} {birth}")  # pragma: no cover

    def mobile(self) -> str:
        """An unused, valid 13x/15x/18x mobile number."""
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number in self._mobiles:
                continue
            parsed = phonenumbers.parse(number, "CN")
            if (
                phonenumbers.is_valid_number(parsed)
                and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
            ):
                self._mobiles.add(number)
                return number

    # --- one person --------------------------------------------------------------------
    def surname(self, city: cat.CitySpec) -> str:
        if city.local_surnames and self.rng.random() < 0.3:
            return self.rng.choice(city.local_surnames)
        return str(self.fake.last_name())

    def person(
        self,
        city: cat.CitySpec,
        *,
        age: int,
        male: bool,
        surname: str | None = None,
        mobile: bool | None = None,
        tags: tuple[str, ...] = (),
        id_code: str | None = None,
    ) -> NewPerson:
        rng = self.rng
        surname = surname or self.surname(city)
        given = self.fake.first_name_male() if male else self.fake.first_name_female()
        # Draw everything before looking at ``today``.
        day_of_year = rng.randrange(365)
        code = id_code or _weighted(rng, city.id_codes)
        has_mobile = mobile if mobile is not None else _has_mobile(rng, age)
        number = self.mobile() if has_mobile else ""

        birth = self.today - dt.timedelta(days=age * 365 + age // 4 + day_of_year + 1)
        person = Person(name=f"{surname}{given}", gender="male" if male else "female")
        id_number = self.id_number(city, birth, male, code)
        person.set_id_number(id_number)
        if number:
            person.set_mobile(number)
        new = NewPerson(person, age, id_number=id_number, mobile=number)
        for tag in tags:
            self.tag(new, tag)
        return new

    def tag(self, new: NewPerson, code: str) -> None:
        target = new.sensitive_tags if code in SENSITIVE_TAGS else new.plain_tags
        if code not in target:
            target.append(code)

    def finish(self, new: NewPerson) -> None:
        """Tags that follow from age and chance; then seal the sensitive ones."""
        rng = self.rng
        # Fixed number of draws per person, whatever the outcome.
        d_disability, d_party, d_veteran = rng.random(), rng.random(), rng.random()
        if new.age >= 60:
            self.tag(new, "elderly")
        if new.age < 14:
            self.tag(new, "child")
        if d_disability < DISABILITY_SHARE[new.age >= 60]:
            self.tag(new, "disability")
        if new.age >= 18 and d_party < (0.10 if new.age >= 60 else PARTY_SHARE):
            self.tag(new, "party_member")
        if new.person.gender == "male" and 25 <= new.age <= 75 and d_veteran < VETERAN_SHARE:
            self.tag(new, "veteran")
        if new.sensitive_tags:
            new.person.set_sensitive({"tags": sorted(new.sensitive_tags)})

    def staff(self, city: cat.CitySpec, *, party_member: bool = False) -> NewPerson:
        """A working-age staff member with a mobile (logs in by it)."""
        new = self.person(
            city,
            age=self.rng.randint(24, 56),
            male=self.rng.random() < 0.55,
            mobile=True,
            tags=("party_member",) if party_member else (),
        )
        if new.sensitive_tags:
            new.person.set_sensitive({"tags": sorted(new.sensitive_tags)})
        return new

    # --- households --------------------------------------------------------------------
    def household(
        self, city: cat.CitySpec, kind: str, *, developer: bool, land_lost: bool
    ) -> Household:
        rng = self.rng
        u_occupancy, u_unsold, u_income = rng.random(), rng.random(), rng.random()
        vacant_share, rented_share = OCCUPANCY_SHARES[kind]
        if developer and u_unsold < UNSOLD_SHARE:
            return Household(owners=[], occupants=[], developer_unsold=True)
        if u_occupancy < vacant_share + rented_share:
            # The owner lives elsewhere: the unit is empty or let to tenants.
            owner = self.person(city, age=rng.randint(30, 70), male=rng.random() < 0.6)
            self.finish(owner)
            if u_occupancy < vacant_share:
                return Household(owners=[owner], occupants=[], vacant=True)
            tenants = [
                self.person(city, age=rng.randint(20, 50), male=i == 0 or rng.random() < 0.5)
                for i in range(rng.choice((1, 1, 2, 2, 3)))
            ]
            for t in tenants:
                self.tag(t, "tenant")
                self.finish(t)
            return Household(
                owners=[owner],
                occupants=[(t, OccupantRelation.TENANT) for t in tenants],
                rented=True,
            )

        members = self._family(city, kind)
        head = members[0][0]
        if u_income < LOW_INCOME_SHARE[kind]:
            self.tag(head, "low_income")
        for p, _ in members:
            if land_lost and p.age >= 30 and rng.random() < LAND_LOST_SHARE:
                self.tag(p, "land_lost_farmer")
            self.finish(p)
        spouse = next((p for p, rel in members if rel == OccupantRelation.SPOUSE), None)
        # Couples often hold the property jointly (共同共有 in equal shares).
        owners = [head, spouse] if spouse is not None and rng.random() < 0.5 else [head]
        return Household(owners=owners, occupants=members)

    def _family(self, city: cat.CitySpec, kind: str) -> list[tuple[NewPerson, str]]:
        rng = self.rng
        composition = rng.choices(COMPOSITIONS, weights=COMPOSITION_WEIGHTS[kind])[0]
        rel = OccupantRelation
        if composition == "elderly_alone":
            head = self.person(
                city, age=rng.randint(68, 92), male=rng.random() < 0.3, tags=("elderly_alone",)
            )
            return [(head, rel.HEAD)]
        if composition == "single":
            return [(self.person(city, age=rng.randint(22, 60), male=rng.random() < 0.5), rel.HEAD)]

        head_male = rng.random() < 0.75
        if composition == "elderly_couple":
            head_age = rng.randint(62, 85)
        elif composition == "couple":
            head_age = rng.randint(25, 60)
        elif composition == "family":
            head_age = rng.randint(28, 55)
        else:
            head_age = rng.randint(32, 55)
        surname = self.surname(city)
        head = self.person(city, age=head_age, male=head_male, surname=surname)
        spouse_age = max(20, head_age + rng.randint(-4, 4))
        members: list[tuple[NewPerson, str]] = [(head, rel.HEAD)]
        members.append((self.person(city, age=spouse_age, male=not head_male), rel.SPOUSE))
        # Children take the father's surname.
        child_surname = surname if head_male else None
        if composition in ("family", "three_gen"):
            n = rng.choices((1, 2, 3), weights=(55, 38, 7))[0]
            oldest = max(0, min(head_age, spouse_age) - 22)
            for _ in range(n):
                # Grown-up children still at home in a family; young ones with grandparents.
                age = rng.randint(0, min(oldest, 30 if composition == "family" else 20))
                child = self.person(city, age=age, male=rng.random() < 0.52, surname=child_surname)
                members.append((child, rel.CHILD))
        if composition == "three_gen":
            for i in range(rng.choice((1, 1, 2))):
                age = min(95, head_age + rng.randint(24, 32))
                father = i == 0 and rng.random() < 0.4
                parent = self.person(
                    city, age=age, male=father, surname=surname if father and head_male else None
                )
                members.append((parent, rel.PARENT))
        return members


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _has_mobile(rng: random.Random, age: int) -> bool:
    draw = rng.random()
    if age < 14:
        return False
    if age >= 80:
        return draw < 0.6
    return draw < 0.97
