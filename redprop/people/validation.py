"""Normalise and check ID numbers and mobiles with maintained libraries."""

from __future__ import annotations

import datetime as dt

import phonenumbers
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from redprop.core.errors import ApplicationError
from redprop.people.errors import PeopleError


def clean_id_number(value: str, *, field: str = "id_number") -> str:
    """A valid 18-digit 居民身份证 number (GB 11643 checksum, date, region), upper-case X."""
    try:
        return ric.validate(value.strip())
    except StdnumError as exc:
        raise ApplicationError(
            PeopleError.INVALID_ID_NUMBER, _("身份证号码无效，请核对后重新输入"), field=field
        ) from exc


def birth_date_of(id_number: str) -> dt.date:
    return ric.get_birth_date(id_number)


def gender_of(id_number: str) -> str:
    return "male" if int(id_number[16]) % 2 else "female"


def clean_mobile(value: str, *, field: str = "mobile") -> str:
    """A valid mainland China mobile number, returned as 11 digits."""
    raw = value.strip().replace(" ", "").replace("-", "")
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ApplicationError(PeopleError.INVALID_MOBILE, _("手机号码无效"), field=field) from exc
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ApplicationError(PeopleError.INVALID_MOBILE, _("手机号码无效"), field=field)
    return str(number.national_number)


def looks_like_mobile(value: str) -> bool:
    raw = value.strip()
    return raw.isdigit() and len(raw) == 11 and raw.startswith("1")


def clean_phone(value: str, *, field: str = "phone") -> str:
    """A valid mainland mobile or fixed-line number (a work phone, a service phone),
    returned as typed digits with the area code (``027-85551234``, ``13912345678``)."""
    raw = value.strip().replace(" ", "")
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ApplicationError(PeopleError.INVALID_PHONE, _("电话号码无效"), field=field) from exc
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise ApplicationError(PeopleError.INVALID_PHONE, _("电话号码无效"), field=field)
    digits = str(number.national_number)
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
        return digits
    area, *local = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.NATIONAL
    ).split()
    return f"{area}-{''.join(local)}"


def validate_phone(value: str) -> None:
    """A model-field validator (the admin's forms) around ``clean_phone``."""
    from django.core.exceptions import ValidationError

    try:
        clean_phone(value)
    except ApplicationError as exc:
        raise ValidationError(exc.message, code=exc.code) from exc
