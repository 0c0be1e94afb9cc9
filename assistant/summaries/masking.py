"""Privacy-safe quotes: find and mask email addresses, phone numbers, identity codes and names.

Quotes from comments end up in theme summaries, the draft report (DOCX/Markdown) and exports. Before
a quote leaves the feedback store, `mask` replaces every piece of personal data it finds with a
placeholder in the report's language ("[nimi]", "[namn]", "[name]"...). `has_pii` tells preparers
which comments carry personal data.

What is found, and how:

- Email addresses: a regular expression, including the "(at)"/"[at]" spellings that Finnish
  organisations use to dodge address harvesters ("etunimi.sukunimi(at)hyvaks.fi").
- Phone numbers: `phonenumbers.PhoneNumberMatcher` with the default region FI and leniency VALID:
  Finnish mobiles and landlines in national or international form and numbers of other countries
  written with their country code (+46 ...). Years, postcodes, amounts of money, percentages, dates,
  clock times and business IDs (Y-tunnus 1234567-8) are not valid numbers and stay.
- Finnish personal identity codes (henkilötunnus): `ddmmyy`, a century sign (+ for the 1800s; - and,
  since 2023, Y X W V U for the 1900s; A and, since 2023, B C D E F for the 2000s), a three-digit
  individual number and a check character. A candidate is flagged when its date part is a real date
  in the century its sign gives. The check character is deliberately NOT required to match: a code
  with a typo in it still identifies a person to anyone who knows them, and a false alarm only costs
  a few words of a quote. (The installed python-stdnum 2.2 validates the 2023 signs too, see the
  tests, but validity is not the criterion here.)
- Person names:
  (a) `known_names` (the respondent's own name, the county's contact persons...): every full name as
      a phrase and every part of at least three letters as a word, case-insensitively. In Finnish
      text the inflected forms count too: "Virtanen" also matches "Virtasen", "Virtaselle",
      "Virtasta"; "Pekka" "Pekan", "Pekalle"; "Niemi" "Niemen"; "Tuomas" "Tuomakselle"; "Aho"
      "Aholle". A word matches when it is a stem of the name followed by a Finnish case ending,
      possessive suffix or clitic (see `_finnish_forms`), not merely when it starts with a stem:
      "Matti" masks "Matille" but not "matkalla", "Pekka" masks "Pekalle" but not "pekoni". Stems
      shorter than the name (consonant gradation, -nen → -se-, -s → -kse-, i → e) are used only
      for names longer than four letters. An inflected form that Voikko knows only as a common word
      stays: with "Aino" and "Päivi" among the names, "ainoa" ("the only one") and "päivinä" ("on
      days") are kept while "Ainolle" and "Päiville" are masked. Voikko reads capitalised words as
      names where it can, so a known name that is also a common word ("Toivo") still masks
      sentence-initial "Toivomme" ("we hope"), and the name itself is masked in any case ("toivo"):
      privacy wins over the quote. In Swedish text a name also matches with a genitive s ("Liisas");
      in English "Liisa's" is "Liisa" and an "s".
  (b) In Finnish text, the PERSON entities of the NER component of `spacy-fi-experimental-web-md`.
      It is loaded once per process as a separate pipeline with only the "ner" component (which has
      its own tok2vec and reads the static word vectors, so those stay: about 60 MB), leaving the
      lemmatizing pipeline of `assistant.nlp.pipelines` untouched. The model recognises capitalised
      names ("Liisa Virtanen", "Pekka Mäkiselle") but not lower-case ones ("liisa virtanen"); those
      only `known_names` catch. Its false alarms on the labelled corpus (13 in 1,000 Finnish
      comments, mostly place names like "Urjalasta" and sentence-initial words like "Jono") are cut
      by Voikko: an entity is dropped when it contains digits or when every word of it is one Voikko
      knows and none of its readings is a first name or a surname. Words Voikko does not know (most
      foreign names) are kept. For the same reason the model runs only on texts with a capitalised
      word that Voikko does not know or reads as a name: about one Finnish comment in seven.
  Swedish and English comments have no NER model in the project: only `known_names` mask names
  there, so a Swedish or English quote may still name a person nobody listed.

`mask` runs detection again on its own output until nothing more is found (at most a few rounds),
so that masking masked text changes nothing even when the statistical model reads the masked
sentence differently; placeholders themselves are never flagged.
"""

import re
import threading
from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

import phonenumbers
import spacy
from spacy.language import Language as SpacyLanguage

from assistant.nlp.pipelines import FINNISH_MODEL

_VOIKKO_LOCK = threading.RLock()


class PiiKind(StrEnum):
    """The kinds of personal data that quotes must not show."""

    EMAIL = "email"
    PHONE = "phone"
    IDENTITY_CODE = "identity_code"
    NAME = "name"


class Span(NamedTuple):
    """A piece of personal data in a text: `text[start:end]` is of the given kind."""

    kind: PiiKind
    start: int
    end: int


PLACEHOLDERS: dict[str, dict[PiiKind, str]] = {
    "fi": {
        PiiKind.EMAIL: "[sähköposti]",
        PiiKind.PHONE: "[puhelinnumero]",
        PiiKind.IDENTITY_CODE: "[henkilötunnus]",
        PiiKind.NAME: "[nimi]",
    },
    "sv": {
        PiiKind.EMAIL: "[e-post]",
        PiiKind.PHONE: "[telefonnummer]",
        PiiKind.IDENTITY_CODE: "[personbeteckning]",
        PiiKind.NAME: "[namn]",
    },
    "en": {
        PiiKind.EMAIL: "[email]",
        PiiKind.PHONE: "[phone number]",
        PiiKind.IDENTITY_CODE: "[identity code]",
        PiiKind.NAME: "[name]",
    },
}

# When spans of different kinds overlap, the merged span takes the first kind of this list: an
# email address may contain digits or a name, a phone number pattern may cover an identity code.
_PRIORITY = (PiiKind.EMAIL, PiiKind.IDENTITY_CODE, PiiKind.PHONE, PiiKind.NAME)

_MAX_ROUNDS = 4

# --- emails -----------------------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]+"  # local part, from its first character
    r"(?:@|\s?[(\[]\s?(?:at|a|ät)\s?[)\]]\s?)"  # @, (at), [at], (a), (ät)
    r"(?:[\w-]+\.)+[^\W\d_]{2,}(?![\w-])",  # domain and a letters-only top-level domain
    re.IGNORECASE,
)

# --- phone numbers ----------------------------------------------------------------------------

_PHONE_REGION = "FI"

# --- identity codes ---------------------------------------------------------------------------

_HETU_RE = re.compile(
    r"\b(?P<day>\d\d)(?P<month>\d\d)(?P<year>\d\d)(?P<sign>[-+A-FYXWVU])\d{3}[0-9A-Y]\b",
    re.IGNORECASE,
)
_CENTURY_BY_SIGN = {"+": 1800, **dict.fromkeys("-YXWVU", 1900), **dict.fromkeys("ABCDEF", 2000)}

# --- names ------------------------------------------------------------------------------------

_VOWELS = "aeiouyäö"
_WORD_RE = re.compile(r"[^\W\d_]+")
# Case endings (singular and plural), possessive suffixes and clitics, after the stem vowel.
_CASE = (
    "n|t|a|ä|ta|tä|na|nä|ksi|lla|llä|lta|ltä|lle|ssa|ssä|sta|stä|hin|hen|han|hän|hon|hun|hyn|hön"
    "|seen|ten|den|tten|jen|ja|jä|ine|in|tta|ttä"
)
_POSSESSIVE = "ni|si|mme|nne|nsa|nsä|an|än|en"
_CLITIC = "kin|kaan|kään|han|hän|ko|kö|pa|pä"
_ENDING = (
    f"(?:(?:{_CASE})(?:{_POSSESSIVE})?(?:{_CLITIC})?|(?:{_POSSESSIVE})(?:{_CLITIC})?|{_CLITIC})"
)
# Consonant gradation before the last vowel: strong grade in the name, weak grade in most forms.
_WEAK_GRADE = {
    "kk": "k",
    "pp": "p",
    "tt": "t",
    "nk": "ng",
    "mp": "mm",
    "lt": "ll",
    "nt": "nn",
    "rt": "rr",
    "ht": "hd",
}
_PERSON_LABEL = "PERSON"
_NAME_CLASSES = frozenset({"etunimi", "sukunimi"})  # Voikko's classes of first names, surnames
_PROPER_CLASSES = _NAME_CLASSES | {"paikannimi", "nimi"}  # ... and of place names, other names

_ALL_PLACEHOLDERS_RE = re.compile(
    "|".join(
        re.escape(placeholder)
        for placeholder in sorted(
            {p for table in PLACEHOLDERS.values() for p in table.values()}, key=len, reverse=True
        )
    )
)
# The Finnish model's components other than "ner": its NER has its own tok2vec.
_NER_EXCLUDE = ["tok2vec", "tagger", "morphologizer", "parser", "attribute_ruler", "lemmatizer"]

_ner_lock = threading.Lock()
_voikko_lock = threading.Lock()
_ner_state: dict[str, Any] = {}


# --- public API -------------------------------------------------------------------------------


def find_pii(text: str, *, lang: str, known_names: Iterable[str] = ()) -> list[Span]:
    """The personal data in a text: sorted, non-overlapping spans.

    Overlapping findings are merged into one span of the most specific kind (email, identity code,
    phone, name); names next to each other ("Liisa Virtanen", "Anna-Kaisa") make one span. Text
    that is already a placeholder is never flagged.
    """
    spans = [*_emails(text), *_identity_codes(text), *_phones(text)]
    # Voikko handles (the common-word guard and the NER pipeline's) must not be used by two
    # threads at once, and requests run in a thread pool.
    with _VOIKKO_LOCK:
        names = [*_known_name_spans(text, lang, _normalise_names(known_names))]
        if lang == "fi":
            names.extend(_ner_names(text))
    spans.extend(_outside_placeholders(text, names))
    return _merge(text, spans)


def mask(
    text: str,
    *,
    lang: str,
    known_names: Iterable[str] = (),
    placeholder_lang: str | None = None,
) -> str:
    """The text with every email, phone number, identity code and name replaced by a placeholder.

    Placeholders are in `placeholder_lang` (the report's language; by default `lang`, the language
    of the text). Detection runs again on the result until nothing more is found, so masking is
    idempotent: `mask(mask(t)) == mask(t)`.
    """
    placeholders = PLACEHOLDERS.get(placeholder_lang or lang, PLACEHOLDERS["en"])
    names = _normalise_names(known_names)
    for _ in range(_MAX_ROUNDS):
        spans = find_pii(text, lang=lang, known_names=names)
        if not spans:
            break
        text = _replace(text, spans, placeholders)
    return text


def mask_identity_codes(text: str, *, placeholder_lang: str) -> str:
    """The text with only its personal identity codes replaced (for exports that keep the rest)."""
    spans = list(_identity_codes(text))
    if not spans:
        return text
    return _replace(text, spans, PLACEHOLDERS.get(placeholder_lang, PLACEHOLDERS["en"]))


def has_pii(text: str, lang: str, *, known_names: Iterable[str] = ()) -> set[PiiKind]:
    """The kinds of personal data a text contains, for flagging comments to preparers."""
    return {span.kind for span in find_pii(text, lang=lang, known_names=known_names)}


def warm_up() -> None:
    """Load the Finnish NER pipeline and Voikko now rather than on the first Finnish quote."""
    _ner_names("Liisa Virtanen soitti.")


# --- detectors --------------------------------------------------------------------------------


def _emails(text: str) -> Iterable[Span]:
    for match in _EMAIL_RE.finditer(text):
        yield Span(PiiKind.EMAIL, match.start(), match.end())


def _phones(text: str) -> Iterable[Span]:
    if sum(ch.isdigit() for ch in text) < 5:  # no phone number is shorter; skips most quotes
        return
    matcher = phonenumbers.PhoneNumberMatcher(
        text, _PHONE_REGION, leniency=phonenumbers.Leniency.VALID
    )
    for match in matcher:
        yield Span(PiiKind.PHONE, match.start, match.end)


def _identity_codes(text: str) -> Iterable[Span]:
    for match in _HETU_RE.finditer(text):
        century = _CENTURY_BY_SIGN[match["sign"].upper()]
        try:
            date(century + int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError:
            continue  # not a date: some other code, not a person's
        yield Span(PiiKind.IDENTITY_CODE, match.start(), match.end())


def _normalise_names(known_names: Iterable[str]) -> tuple[str, ...]:
    """Distinct non-empty names, whitespace-normalised and sorted (a hashable cache key)."""
    return tuple(sorted({" ".join(name.split()) for name in known_names if name and name.strip()}))


def _known_name_spans(text: str, lang: str, names: tuple[str, ...]) -> Iterable[Span]:
    if not names:
        return
    phrase_re, forms = _name_forms(names, lang)
    if phrase_re is not None:
        for match in phrase_re.finditer(text):
            yield Span(PiiKind.NAME, match.start(), match.end())
    for match in _WORD_RE.finditer(text):
        form = _name_form_of(match.group().lower(), forms)
        if form is None or (form == "inflected" and lang == "fi" and _common_word(match.group())):
            continue
        yield Span(PiiKind.NAME, match.start(), match.end())


def _name_form_of(word: str, forms: Iterable[tuple[str, re.Pattern[str]]]) -> str | None:
    """Whether a lower-case word is a known name ("exact"), a form of one ("inflected") or neither."""
    found = None
    for stem, rest in forms:
        if word.startswith(stem) and rest.fullmatch(word, len(stem)):
            if len(word) == len(stem):
                return "exact"
            found = "inflected"
    return found


@lru_cache(maxsize=256)
def _name_forms(
    names: tuple[str, ...], lang: str
) -> tuple[re.Pattern[str] | None, tuple[tuple[str, re.Pattern[str]], ...]]:
    """How to recognise known names: a regex of full-name phrases and (stem, rest) word forms.

    A word (lower case) is a form of a name when it starts with `stem` and `rest` matches all the
    remaining letters.
    """
    phrases = [name for name in names if len(_WORD_RE.findall(name)) > 1]
    phrase_re = None
    if phrases:
        alternatives = (r"\s+".join(re.escape(w) for w in phrase.split()) for phrase in phrases)
        phrase_re = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
    parts = sorted({part.lower() for name in names for part in _WORD_RE.findall(name)})
    forms: list[tuple[str, str]] = []
    for part in parts:
        if len(part) < 3:
            continue
        if lang == "fi":
            forms.extend(_finnish_forms(part))
        elif lang == "sv":
            forms.append((part, "s?"))  # Swedish genitive: "Liisas"
        else:
            forms.append((part, ""))  # "Liisa's" splits into "Liisa" and "s"
    return phrase_re, tuple((stem, _compiled(rest)) for stem, rest in dict.fromkeys(forms))


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _finnish_forms(name: str) -> list[tuple[str, str]]:
    """(stem, rest) patterns for a Finnish name (lower case) and its inflected forms.

    - the name itself, optionally followed by an ending: after a vowel any vowel may come first
      ("liisa|lle", "liisa|a|n", "laine|e|n"), after a consonant the connecting i or e
      ("lindholm|i|lle", "tuomas|ta"). Names of three or four letters stop here.
    - an i-final name with e for i, then a required ending ("niem|e|n", "niem|e|ltä");
    - the weak grade of a double or cluster consonant before the last vowel, then the name's vowel,
      e or i and a required ending ("pek|a|lle", "mat|i|n", "lahd|e|n");
    - -nen names: -se-/-s- ("virtas|e|lle", "virtas|ta", "virtas|ten");
    - -s names after a vowel: -kse- ("tuomaks|e|n", "markuks|e|lle").
    """
    last = name[-1]
    vowel = f"[{_VOWELS}]" if last in _VOWELS else "[ie]"
    forms = [(name, f"(?:{vowel}?{_ENDING})?")]
    if len(name) <= 4:
        return forms
    if last == "i":
        forms.append((name[:-1] + "e", _ENDING))
    weak = _WEAK_GRADE.get(name[-3:-1]) if last in _VOWELS else None
    if weak is not None:
        forms.append((name[:-3] + weak, f"[{last}ei]{_ENDING}"))
    if name.endswith("nen"):
        forms.append(
            (name[:-3] + "s", f"(?:[ei]{_ENDING}?|(?:ta|tä|ten)(?:{_POSSESSIVE})?(?:{_CLITIC})?)")
        )
    elif last == "s" and name[-2] in _VOWELS:
        forms.append((name[:-1] + "ks", f"[ei]{_ENDING}?"))
    return forms


def _common_word(word: str) -> bool:
    """True when Voikko knows the word and no reading of it is a proper noun.

    Guards the inflected forms of known names against common words: "päivinä" is a form of "Päivi"
    but Voikko reads it as "päivä"; "Pekalle" is read as "Pekka" (a first name) and "Kärkkäiselle"
    is not in the dictionary, so both stay names.
    """
    classes = _voikko_classes(word)
    return bool(classes) and not classes & _PROPER_CLASSES


def _ner_names(text: str) -> list[Span]:
    """PERSON entities of the Finnish NER model that Voikko does not know as something else.

    The model runs only when some capitalised word could be a name (Voikko does not know it or
    reads it as a first name or surname): its other entities would be dropped anyway, and it tags
    no lower-case names. This spares the model for most quotes.
    """
    if not any(_could_be_a_name(word) for word in _WORD_RE.findall(text) if word[0].isupper()):
        return []
    return [Span(PiiKind.NAME, start, end) for start, end in _ner_person_offsets(text)]


def _could_be_a_name(word: str) -> bool:
    classes = _voikko_classes(word)
    return not classes or bool(classes & _NAME_CLASSES)


@lru_cache(maxsize=4096)
def _ner_person_offsets(text: str) -> tuple[tuple[int, int], ...]:
    found = []
    for ent in _ner_pipeline()(text).ents:
        if ent.label_ != _PERSON_LABEL or any(ch.isdigit() for ch in ent.text):
            continue
        if not any(_could_be_a_name(word) for word in _WORD_RE.findall(ent.text)):
            continue  # every word is a known non-name: "Urjalasta", "Psykiatrinen", "Jono"
        found.append((ent.start_char, ent.end_char))
    return tuple(found)


@lru_cache(maxsize=65536)
def _voikko_classes(word: str) -> frozenset[str]:
    """Voikko's word classes for the readings of a word that fit how it is capitalised.

    Voikko reads "ainoa" both as the adjective and as a form of the name "Aino" (STRUCTURE "=i..."
    marks a reading that needs a capital letter); a lower-case word keeps only its lower-case
    readings. Empty when Voikko does not know the word (or only as a name that needs a capital).
    """
    voikko = _voikko()
    with _voikko_lock:
        analyses = voikko.analyze(word)
    lower_case = word[:1].islower()
    return frozenset(
        a.get("CLASS", "")
        for a in analyses
        if not (lower_case and a.get("STRUCTURE", "").startswith("=i"))
    )


def _voikko() -> Any:
    voikko = _ner_state.get("voikko")
    if voikko is None:
        with _ner_lock:
            voikko = _ner_state.get("voikko")
            if voikko is None:
                import libvoikko  # installed with spacy-fi-experimental-web-md

                voikko = _ner_state["voikko"] = libvoikko.Voikko("fi")
    return voikko


def _ner_pipeline() -> SpacyLanguage:
    """The process-wide Finnish NER pipeline, loaded on first use."""
    nlp = _ner_state.get("ner")
    if nlp is None:
        with _ner_lock:
            nlp = _ner_state.get("ner")
            if nlp is None:
                nlp = _ner_state["ner"] = spacy.load(FINNISH_MODEL, exclude=_NER_EXCLUDE)
    return nlp


# --- spans ------------------------------------------------------------------------------------


def _outside_placeholders(text: str, spans: Iterable[Span]) -> list[Span]:
    """The spans with any placeholder cut out of them (names can be read into "[nimi]")."""
    holes = [(m.start(), m.end()) for m in _ALL_PLACEHOLDERS_RE.finditer(text)]
    result: list[Span] = []
    for span in spans:
        pieces = [(span.start, span.end)]
        for hole_start, hole_end in holes:
            pieces = [
                piece
                for start, end in pieces
                for piece in ((start, min(end, hole_start)), (max(start, hole_end), end))
                if piece[0] < piece[1]
            ]
        for start, end in pieces:
            while start < end and not text[start].isalnum():
                start += 1
            while end > start and not text[end - 1].isalnum():
                end -= 1
            if start < end:
                result.append(Span(span.kind, start, end))
    return result


def _merge(text: str, spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping spans; names separated only by spaces or a hyphen join up."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged:
            last = merged[-1]
            joins_names = (
                last.kind is PiiKind.NAME
                and span.kind is PiiKind.NAME
                and text[last.end : span.start].strip(" \t-") == ""
                and "\n" not in text[last.end : span.start]
            )
            if span.start < last.end or joins_names:
                kind = min(last.kind, span.kind, key=_PRIORITY.index)
                merged[-1] = Span(kind, last.start, max(last.end, span.end))
                continue
        merged.append(span)
    return merged


def _replace(text: str, spans: Sequence[Span], placeholders: dict[PiiKind, str]) -> str:
    pieces: list[str] = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(placeholders[span.kind])
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)
