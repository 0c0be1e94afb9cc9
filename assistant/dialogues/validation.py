"""The registration form's rules: Y-tunnus with its check digit (python-stdnum), phone numbers
(phonenumbers), email (email-validator). Errors are English msgids per field, translated when shown."""

from dataclasses import dataclass
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.fi import ytunnus

from assistant.dialogues.enums import OrganisationSize, OrganisationType
from assistant.errors import N_, DomainError

MAX_TOPICS_CHARS = 2000
REGISTRATION_FIELDS: tuple[str, ...] = (
    "organisation_name",
    "organisation_type",
    "organisation_size",
    "business_id",
    "register_number",
    "contact_name",
    "email",
    "phone",
    "attendees",
    "topics",
    "consent",
)


class FormInvalid(DomainError):
    """One or more fields are wrong; `errors` maps field names to messages."""

    status_code = 422
    message = N_("Please check the highlighted fields.")

    def __init__(self, errors: dict[str, str], **params: object):
        super().__init__(**params)
        self.errors = errors


@dataclass(frozen=True)
class RegistrationInput:
    """A checked registration form."""

    organisation_name: str
    organisation_type: str
    organisation_size: str
    business_id: str | None
    register_number: str | None
    contact_name: str
    email: str
    phone: str
    attendees: int
    topics: str

    @property
    def organisation_key(self) -> str:
        """What makes two registrations the same organisation's."""
        if self.business_id:
            return f"y:{self.business_id}"
        if self.register_number:
            return "r:" + "".join(ch for ch in self.register_number.lower() if ch.isalnum())
        return "n:" + self.organisation_name_key

    @property
    def organisation_name_key(self) -> str:
        """The name as compared between registrations: lower case, spaces collapsed."""
        return " ".join(self.organisation_name.lower().split())


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    value = str(value)
    return value.strip() if not any(ord(c) < 32 and c not in "\t\n\r" for c in value) else "\x00"


def normalise_business_id(value: str) -> str | None:
    """A valid Y-tunnus in its 1234567-1 form, or None."""
    try:
        return ytunnus.format(ytunnus.validate(value))
    except Exception:
        return None


def normalise_phone(value: str) -> str | None:
    """A valid phone number in E.164 (Finnish numbers may omit +358), or None."""
    try:
        number = phonenumbers.parse(value, "FI")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_registration(raw: dict[str, Any], *, max_attendees: int) -> RegistrationInput:
    """Check every field; raise FormInvalid listing all problems at once."""
    errors: dict[str, str] = {}
    values = {name: _text(raw, name) for name in REGISTRATION_FIELDS if name != "consent"}
    for name, value in values.items():
        if value == "\x00":
            errors[name] = N_("This field contains control characters.")
    if not values["organisation_name"] and "organisation_name" not in errors:
        errors["organisation_name"] = N_("Give the organisation's name.")
    elif len(values["organisation_name"]) > 200:
        errors["organisation_name"] = N_("The name is too long.")
    if values["organisation_type"] not in OrganisationType.__members__:
        errors["organisation_type"] = N_("Choose the type of organisation.")
    if values["organisation_size"] not in OrganisationSize.__members__:
        errors["organisation_size"] = N_("Choose the size of the organisation.")
    business_id = None
    if values["business_id"] and "business_id" not in errors:
        business_id = normalise_business_id(values["business_id"])
        if business_id is None:
            errors["business_id"] = N_(
                "This is not a valid business ID (Y-tunnus): check the number and its check digit, e.g. 1234567-1."
            )
    register_number = values["register_number"][:40] or None
    if not business_id and "business_id" not in errors:
        if values["organisation_type"] in {"company", "in_house"}:
            errors["business_id"] = N_("A company needs its business ID (Y-tunnus).")
        elif values["organisation_type"] == "ngo" and not register_number:
            errors["register_number"] = N_(
                "Give the association's business ID or its register number."
            )
    if not values["contact_name"] and "contact_name" not in errors:
        errors["contact_name"] = N_("Give the contact person's name.")
    email = values["email"]
    if "email" not in errors:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = N_("Check the email address; it should look like name@example.fi.")
    phone = normalise_phone(values["phone"]) if "phone" not in errors else None
    if phone is None and "phone" not in errors:
        errors["phone"] = N_("Check the phone number, e.g. 040 123 4567 or +358 40 123 4567.")
    attendees = 0
    try:
        attendees = int(values["attendees"])
    except ValueError:
        errors.setdefault("attendees", N_("Give the number of attendees as a whole number."))
    else:
        if attendees < 1:
            errors["attendees"] = N_("At least one person must attend.")
        elif attendees > max_attendees:
            errors["attendees"] = N_(
                "At most %(limit)s people per organisation can attend this event."
            )
    if len(values["topics"]) > MAX_TOPICS_CHARS:
        errors["topics"] = N_("Please keep this under 2,000 characters.")
    if not raw.get("consent"):
        errors["consent"] = N_("We need your consent to process the registration.")
    if errors:
        raise FormInvalid(errors, limit=max_attendees)
    return RegistrationInput(
        organisation_name=values["organisation_name"],
        organisation_type=values["organisation_type"],
        organisation_size=values["organisation_size"],
        business_id=business_id,
        register_number=register_number,
        contact_name=values["contact_name"][:200],
        email=email,
        phone=phone or "",
        attendees=attendees,
        topics=values["topics"],
    )
