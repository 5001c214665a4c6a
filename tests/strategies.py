"""Hypothesis strategies that build valid treatment content, as plain JSON-like data.

The strategies follow the contract in `treatments/documents/schema.py`: every length limit,
range, enum and cross-field rule. Optional keys are sometimes left out and sometimes given
(nullable ones also as an explicit null), so defaults are exercised as well as values.
Rare branches sit on high draws: Hypothesis shrinks towards 0, i.e. towards the plain case.
"""

import datetime as dt
from typing import Any

from hypothesis import strategies as st
from pydantic import TypeAdapter

from treatments.choices import (
    ActivityKind,
    Classification,
    ContraindicationKind,
    CountRelation,
    CriterionOutcome,
    EligibilityKind,
    LikelihoodBand,
    LikelihoodBasis,
    MedicationRole,
    MedicationRoute,
    QuantityUnit,
    RestrictionKind,
    RuleCondition,
    Seriousness,
    TimelineEventKind,
    TimelineMilestone,
    TimeUnit,
    TissueSource,
    UcumTimeUnit,
    UcumUnit,
    WarningUrgency,
)
from treatments.documents.codes import KNOWN_SYSTEMS, MAX_CODE_LENGTH
from treatments.documents.schema import MAX_URL_LENGTH, Url
from treatments.documents.ucum import UNITS, Dimension

# Small lists keep examples fast; the contract allows up to MAX_ITEMS.
MAX_LIST = 3

# --- building blocks -------------------------------------------------------------------------

_ABSENT = object()


def _often(strategy: st.SearchStrategy[Any], absent: Any = _ABSENT) -> st.SearchStrategy[Any]:
    """`strategy` three times in four, otherwise `absent` (the shrunk case)."""
    return st.integers(0, 3).flatmap(lambda pick: st.just(absent) if pick == 0 else strategy)


def nullable(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value, or (one time in four) None."""
    return _often(strategy, absent=None)


def part(
    required: dict[str, st.SearchStrategy[Any]],
    optional: dict[str, st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """A dict with every `required` key and, three times in four each, the `optional` ones."""
    fields = {**required, **{k: _often(v) for k, v in (optional or {}).items()}}
    return st.fixed_dictionaries(fields).map(
        lambda d: {k: v for k, v in d.items() if v is not _ABSENT}
    )


def items(item: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    """0 to MAX_LIST items, each length equally likely."""
    return st.integers(0, MAX_LIST).flatmap(lambda n: st.lists(item, min_size=n, max_size=n))


# --- text ------------------------------------------------------------------------------------

# The characters the text rule refuses (treatments/documents/text.py): C0/C1 controls other than
# tab, LF and CR (all in category Cc) and the bidi embedding, override and isolate controls.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Characters worth seeing often: the allowed controls, emoji (astral, ZWJ, skin tone), combining
# marks, invisible and line-separator characters, the bidi *marks* the rule allows, a
# non-character and a private-use plane character.
NOTABLE = "\t\n\r \u00a0\u00e9\u0301\u200b\u200d\u200e\u200f\u2028\ufeff\uffff🩺😀👍🏽\U0010fffd"
CHARACTERS = st.one_of(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=BIDI_CONTROLS),
    st.sampled_from(NOTABLE),
)


def texts(max_size: int, *, min_size: int = 0) -> st.SearchStrategy[str]:
    """Text the contract accepts: short and varied, or (one time in four) exactly `max_size`."""
    short = st.text(CHARACTERS, min_size=min_size, max_size=min(max_size, 30))
    # A repeated pattern reaches the limit without asking Hypothesis for 10,000 choices.
    full = st.text(CHARACTERS, min_size=1, max_size=5).map(
        lambda unit: (unit * max_size)[:max_size]
    )
    return st.integers(0, 3).flatmap(lambda pick: full if pick == 3 else short)


SHORT, MEDIUM, TITLE, LONG = texts(200), texts(500), texts(300), texts(10_000)

# --- slugs and categories --------------------------------------------------------------------

_SLUG_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


@st.composite
def slugs(draw: st.DrawFn, max_size: int) -> str:
    """A slug matching SLUG_PATTERN, sometimes exactly `max_size` long."""
    words = draw(st.lists(st.text(_SLUG_CHARS, min_size=1, max_size=12), min_size=1, max_size=6))
    if draw(st.integers(0, 4)) == 4:
        words = [*words, "x" * max_size]
    return "-".join(words)[:max_size].rstrip("-")


def category_name(slug: str) -> str:
    """A category name derived from its slug: equal slugs give equal names, distinct ones don't.

    The service refuses a second name for an existing slug and a second slug for an existing
    name; deriving the name keeps generated examples clear of both rules.
    """
    # A space follows the slug and no slug holds one, so cutting at 120 keeps names apart.
    return f"{slug} · Kategorie ünïcödé 🩺 {slug}"[:120]


categories = slugs(80).map(lambda slug: {"slug": slug, "name": category_name(slug)})

# --- numbers, ranges and dates ---------------------------------------------------------------


def _ordered_pair(values: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, Any]]:
    """(low, high) with low <= high, each possibly None."""
    return st.tuples(nullable(values), nullable(values)).map(
        lambda pair: tuple(sorted(pair)) if None not in pair else pair
    )


def _bounded_pair(values: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, Any]]:
    """An ordered pair with at least one end."""
    return _ordered_pair(values).filter(lambda pair: pair != (None, None))


# -0.0 included: the contract stores one zero (hypothesis's floats(min_value=0) never yields it).
QUANTITY_VALUES = st.one_of(
    st.sampled_from([-0.0, 0.0, 0.1, 2.5, 1e-7, 5e-324, 1e15 + 0.5, 1.7976931348623157e308]),
    st.integers(0, 1_000_000),  # whole numbers as JSON integers; the contract reads floats
    st.floats(0, 1_000, allow_nan=False, allow_infinity=False),  # fractions
    st.floats(min_value=0, allow_nan=False, allow_infinity=False),  # up to 1.8e308, subnormals
)
COUNTS = st.integers(0, 1_000_000)
TIME_UNITS = st.sampled_from(TimeUnit.values)
DATES = st.dates()
# A review is never dated in the future (the contract refuses it); fixed, so runs repeat.
PAST_DATES = st.dates(max_value=dt.date(2025, 12, 31))


def _ends(low: Any, high: Any) -> dict[str, Any]:
    """min and max, each left out or given as null when it is None (both mean "open")."""
    return {k: v for k, v in (("min", low), ("max", high)) if v is not None}


@st.composite
def quantities(draw: st.DrawFn) -> dict[str, Any]:
    """A Quantity: at least one of min and max."""
    low, high = draw(_bounded_pair(QUANTITY_VALUES))
    extra = draw(part({}, {"approximate": st.booleans(), "of": SHORT}))
    return {**_ends(low, high), "unit": draw(st.sampled_from(QuantityUnit.values)), **extra}


@st.composite
def time_ranges(draw: st.DrawFn) -> dict[str, Any]:
    """A TimeRange: both ends optional (a range with only a unit is valid)."""
    low, high = draw(_ordered_pair(COUNTS))
    ends = {"min": low, "max": high} if draw(st.booleans()) else _ends(low, high)
    return {**ends, "unit": draw(TIME_UNITS), **draw(part({}, {"approximate": st.booleans()}))}


@st.composite
def session_counts(draw: st.DrawFn) -> dict[str, Any]:
    """A SessionCount: at least one end (the contract refuses an empty one)."""
    low, high = draw(_bounded_pair(st.integers(1, 1000)))
    return _ends(low, high)


@st.composite
def windows(draw: st.DrawFn) -> dict[str, Any]:
    """A recovery window; negative offsets are before the procedure, a null end is open."""
    calendar_days = draw(st.booleans())
    unit = "day" if calendar_days else draw(TIME_UNITS)
    start = draw(st.integers(-100_000, 100_000))
    end = draw(nullable(st.integers(start, 100_000) | st.just(start)))
    window = {"unit": unit, "calendar_days": calendar_days, "end": end}
    if start != 0 or draw(st.booleans()):  # 0 is the default: sometimes leave it out
        window["start"] = start
    return {**window, **draw(part({}, {"at_least": st.booleans()}))}


@st.composite
def timeline_ranges(draw: st.DrawFn) -> dict[str, Any]:
    """A timeline range: open-ended ranges have no maximum."""
    open_ended = draw(st.booleans())
    low, high = draw(_ordered_pair(COUNTS))
    if open_ended:
        high = None
    extra = draw(part({}, {"wording": SHORT}))
    return {"min": low, "max": high, "unit": draw(TIME_UNITS), "open_ended": open_ended, **extra}


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    """A rule's condition: 'other' needs a text, the others may have one."""
    code = draw(st.sampled_from(RuleCondition.values))
    text = draw(texts(500, min_size=1) if code == RuleCondition.OTHER else MEDIUM)
    return {"code": code, "text": text}


@st.composite
def reviews(draw: st.DrawFn) -> dict[str, Any]:
    """Review metadata; the last review is never in the future, the next never before it."""
    last = draw(nullable(PAST_DATES))
    due = draw(nullable(st.dates(min_value=last) if last is not None else DATES))
    review = draw(part({}, {"reviewer": SHORT, "note": LONG}))
    # Dates as date objects or ISO strings: content_validate accepts both (YAML gives objects).
    as_text = draw(st.booleans())
    for key, day in (("last_reviewed_on", last), ("next_review_due", due)):
        if day is not None or draw(st.booleans()):
            review[key] = day.isoformat() if as_text and day is not None else day
    return review


# --- URLs ------------------------------------------------------------------------------------

_URL = TypeAdapter(Url)
_HOST_LABEL = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=15
)
HOSTS = st.one_of(
    st.lists(_HOST_LABEL, min_size=1, max_size=3).map(lambda labels: ".".join([*labels, "org"])),
    st.sampled_from(["localhost", "127.0.0.1", "[::1]", "bücher.example", "例え.jp"]),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda ip: ".".join(map(str, ip))),
)
_PATH_CHARS = st.one_of(
    st.sampled_from("abcXYZ019-._~!$&'()*+,;=:@"),  # no space: strict URLs refuse it
    st.sampled_from(["%2F", "%20", "%C3%A4", "ä", "🩺"]),
)
_PATHS = st.lists(st.lists(_PATH_CHARS, max_size=8).map("".join), max_size=4).map("/".join)


@st.composite
def urls(draw: st.DrawFn) -> str:
    """An http(s) URL that fits MAX_URL_LENGTH once normalised; sometimes right at the limit."""
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    port = draw(nullable(st.integers(1, 65535)))
    url = f"{scheme}://{draw(HOSTS)}{'' if port is None else f':{port}'}/{draw(_PATHS)}"
    if draw(st.booleans()):
        url += "?" + draw(st.lists(st.text("abc=&xyz01", max_size=6), max_size=3).map("&".join))
    if draw(st.booleans()):
        url += "#" + draw(st.text("abcdef-0", max_size=10))
    if draw(st.integers(0, 4)) == 4:
        # Pad the normalised form, with a character normalising keeps, to exactly the limit.
        normalised = str(_URL.validate_python(url))
        url = normalised + "p" * (MAX_URL_LENGTH - len(normalised))
    return url


# --- clinical codes (schema 1.1) ---------------------------------------------------------------

# Code characters: anything but whitespace, "|" and what the text rule refuses (no spaces).
_CODE_CHARS = st.characters(
    exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"),
    exclude_characters=BIDI_CONTROLS
    + "|\u0085\u00a0\u1680\u180e\u2028\u2029\u202f\u205f\u3000\ufeff",
)
CODE_VALUES = st.one_of(
    st.text("0123456789", min_size=1, max_size=18),  # SNOMED CT, RxNorm
    st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=7),  # ATC, ICD-10-PCS
    st.text(_CODE_CHARS, min_size=1, max_size=12),
    st.text(_CODE_CHARS, min_size=1, max_size=5).map(
        lambda unit: (unit * MAX_CODE_LENGTH)[:MAX_CODE_LENGTH]  # right at the limit
    ),
)
CODE_SYSTEMS = st.one_of(
    st.sampled_from(sorted(KNOWN_SYSTEMS)),
    st.sampled_from(["urn:oid:2.16.840.1.113883.6.96", "https://example.org/fhir/CodeSystem/x"]),
)


@st.composite
def code_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    """0 to MAX_LIST codes, no (system, code) twice (the contract refuses duplicates)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for _ in range(draw(st.integers(0, MAX_LIST))):
        coding = draw(part({"system": CODE_SYSTEMS, "code": CODE_VALUES}, {"display": SHORT}))
        found.setdefault((coding["system"], coding["code"]), coding)
    return list(found.values())


codes = code_lists()

# --- amounts on UCUM units (schema 1.2) --------------------------------------------------------


def _units_of(*dimensions: Dimension) -> list[str]:
    return [code for code in UcumUnit.values if UNITS[code].dimension in dimensions]


TIME = list(UcumTimeUnit.values)
NOT_TIME = [code for code in UcumUnit.values if code not in TIME]
DOSE = _units_of(Dimension.MASS, Dimension.VOLUME, Dimension.COUNT)
# Decimals as people write them, whole numbers, zeros (-0.0 too) and the odd large value.
UCUM_VALUES = st.one_of(
    st.sampled_from([-0.0, 0.0, 0.5, 1.5, 2.25, 37.5, 1e-3, 1e9]),
    st.integers(0, 1_000_000),
    st.floats(0, 10_000, allow_nan=False, allow_infinity=False),
)


@st.composite
def ucum_amounts(draw: st.DrawFn, units: list[str], *, of: bool = True) -> dict[str, Any]:
    """A UcumQuantity (or, `of=False`, a UcumDuration): at least one end, fit for its unit."""
    unit = UNITS[draw(st.sampled_from(units))]
    values: st.SearchStrategy[Any] = UCUM_VALUES
    if unit.whole_numbers:
        values = st.integers(0, 1_000_000)
    elif unit.lowest < 0:  # temperatures go below zero, down to absolute zero
        values = st.one_of(UCUM_VALUES, st.floats(unit.lowest, 0, allow_nan=False))
    low, high = draw(_bounded_pair(values))
    optional: dict[str, st.SearchStrategy[Any]] = {
        "approximate": st.booleans(),
        "unit_display": st.just(unit.display),
    }
    if of:
        optional["of"] = SHORT
    return {**_ends(low, high), "unit": unit.code, **draw(part({}, optional))}


# --- parts -----------------------------------------------------------------------------------

classifications = part(
    {"kind": st.sampled_from(Classification.values)},
    {
        "tissue_source": st.sampled_from(TissueSource.values),
        # Duplicates are allowed by the contract, so they are generated too.
        "possible_tissue_sources": st.lists(st.sampled_from(TissueSource.values), max_size=3),
        "note": LONG,
    },
)
mechanism_notes = part({"subject": SHORT, "text": LONG})
comparisons = part({"compared_with": SHORT, "difference": LONG}, {"onset_difference": LONG})
_step_extras = {
    "duration_wording": SHORT,
    "performer": SHORT,
    "guidance": SHORT,
    "body_site": SHORT,
    "optional": st.booleans(),
    "guidance_optional": st.booleans(),
}
steps = st.one_of(
    part(
        {"title": SHORT, "detail": LONG},
        {"quantity": nullable(quantities()), "duration": nullable(time_ranges()), **_step_extras},
    ),
    # (1.2) On UCUM units: the 1.0 forms are left out, and derived where 1.0 can say them.
    part(
        {"title": SHORT, "detail": LONG},
        {
            "quantity_ucum": nullable(ucum_amounts(NOT_TIME)),
            "duration_ucum": nullable(ucum_amounts(TIME, of=False)),
            **_step_extras,
        },
    ),
)
procedures = part(
    {},
    {
        "performer": SHORT,
        "imaging_guidance": SHORT,
        "imaging_guidance_optional": st.booleans(),
        "anaesthesia_note": LONG,
        "intro": LONG,
        "steps": items(steps),
    },
)
likelihoods = part(
    {"band": st.sampled_from(LikelihoodBand.values)},
    {"basis": st.sampled_from(LikelihoodBasis.values), "wording": SHORT},
)
risks = part(
    {"name": SHORT, "description": LONG, "likelihood": likelihoods},
    {
        "seriousness": st.sampled_from(Seriousness.values),
        "resolves_within": nullable(time_ranges()),
        "resolves_wording": SHORT,
        "population": SHORT,
        "codes": codes,
    },
)
risk_sections = part({}, {"level_wording": SHORT, "statement": LONG, "items": items(risks)})
medication_refs = st.one_of(
    part({"name": texts(200, min_size=1)}, {"drug_class": SHORT, "codes": codes}),
    part({"drug_class": texts(200, min_size=1)}, {"name": SHORT, "codes": codes}),
)
_rule_fields = {
    "activity_label": SHORT,
    "restriction": st.sampled_from(RestrictionKind.values),
    "window": windows(),
    "patient_text": LONG,
}
recovery_rules = st.one_of(
    part(
        {"activity": st.sampled_from(ActivityKind.values), **_rule_fields},
        {"condition": conditions()},
    ),
    # Only a medication rule may name a medication (schema 1.1).
    part(
        {"activity": st.just(ActivityKind.MEDICATION.value), **_rule_fields},
        {"condition": conditions(), "medication": nullable(medication_refs)},
    ),
)
_event_fields = {"label": SHORT, "range": timeline_ranges(), "patient_text": LONG}
_event_extras = {"qualifier": SHORT, "varies_between_people": st.booleans()}
timeline_events = st.one_of(
    part({"kind": st.sampled_from(TimelineEventKind.values), **_event_fields}, _event_extras),
    # Only an onset has a milestone (schema 1.1).
    part(
        {"kind": st.just(TimelineEventKind.ONSET.value), **_event_fields},
        {**_event_extras, "milestone": nullable(st.sampled_from(TimelineMilestone.values))},
    ),
)
courses = part(
    {},
    {
        "sessions": nullable(session_counts()),
        "interval": nullable(time_ranges()),
        "evidence_qualifier": SHORT,
        "text": LONG,
        "frequency_limit": nullable(
            part(
                {
                    "max_sessions": st.integers(1, 1000),
                    "period": st.integers(1, 100_000),
                    "period_unit": TIME_UNITS,
                }
            )
        ),
        "minimum_interval": nullable(part({"value": COUNTS, "unit": TIME_UNITS})),
        "repeat_interval": nullable(ucum_amounts(TIME, of=False)),
    },
)
NON_EMPTY_LONG = texts(10_000, min_size=1)
contraindication_items = part(
    {"text": NON_EMPTY_LONG},
    {"kind": st.sampled_from(ContraindicationKind.values), "codes": codes},
)
warning_sign_items = part(
    {"text": NON_EMPTY_LONG},
    {"action": MEDIUM, "urgency": st.sampled_from(WarningUrgency.values)},
)


@st.composite
def safety_sections(draw: st.DrawFn) -> dict[str, Any]:
    """Safety as 1.0 string lists, or as 1.1 items with the string lists left out or matching."""
    safety: dict[str, Any] = {}
    for strings, structured, item in (
        ("contraindications", "contraindication_items", contraindication_items),
        ("warning_signs", "warning_sign_items", warning_sign_items),
    ):
        pick = draw(st.integers(0, 3))
        if pick == 1:
            safety[strings] = draw(items(LONG))
        elif pick >= 2:
            safety[structured] = draw(items(item))
            if pick == 3:  # the 1.0 list given too: it must hold the same texts
                safety[strings] = [x["text"] for x in safety[structured]]
    return safety


medications = part(
    {"name": texts(200, min_size=1)},
    {
        "drug_class": SHORT,
        "role": st.sampled_from(MedicationRole.values),
        "route": st.sampled_from(MedicationRoute.values),
        "codes": codes,
        "dose_per_session": nullable(ucum_amounts(DOSE)),
    },
)


@st.composite
def eligibility_criteria(draw: st.DrawFn) -> dict[str, Any]:
    """A criterion: count and relation together; an age in a time unit; outcomes of procedures."""
    kind = draw(st.sampled_from(EligibilityKind.values))
    optional: dict[str, st.SearchStrategy[Any]] = {"subject": SHORT, "codes": codes}
    if kind == EligibilityKind.AGE:
        required = {"quantity": ucum_amounts(TIME)}
    else:
        required = {}
        optional["quantity"] = nullable(ucum_amounts(list(UcumUnit.values)))
    if kind == EligibilityKind.PRIOR_PROCEDURE:
        optional["outcome"] = st.sampled_from(CriterionOutcome.values)
    criterion = draw(
        part({"kind": st.just(kind), "explanation": NON_EMPTY_LONG, **required}, optional)
    )
    if draw(st.booleans()):
        criterion["count"] = draw(st.integers(1, 1000))
        criterion["count_relation"] = draw(st.sampled_from(CountRelation.values))
    return criterion


calls_to_action = part({}, {"text": LONG, "label": SHORT})
sources = part(
    {"title": TITLE},
    {"publisher": SHORT, "url": nullable(urls()), "retrieved_on": nullable(DATES), "note": LONG},
)
licences = part({}, {"name": SHORT, "url": nullable(urls())})

treatment_contents = part(
    {
        "slug": slugs(120),
        "title": texts(200, min_size=1),
        "category": categories,
        "summary": texts(500, min_size=1),
        "classification": classifications,
    },
    {
        "overview": LONG,
        "mechanism": items(mechanism_notes),
        "comparisons": items(comparisons),
        "procedure": procedures,
        "risks": risk_sections,
        "recovery_rules": items(recovery_rules),
        "timeline": items(timeline_events),
        "course": courses,
        "safety": safety_sections(),
        "call_to_action": calls_to_action,
        "review": reviews(),
        "sources": items(sources),
        "attribution": LONG,
        "licence": licences,
        "codes": codes,
        "medications": items(medications),
        "eligibility": items(eligibility_criteria()),
    },
)
"""Valid content for `services.content_validate`, touching every section of the contract."""
