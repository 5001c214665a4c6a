"""Clinical codes: the code systems we name (HL7 URIs) and the `system|code` token rule.

A code is `{system, code, display}` as in FHIR's Coding. The system is any absolute URI (the
list below names the usual ones, not a closed set); the code is what that system defines.
"""

import re

# The canonical HL7 system URIs (terminology.hl7.org) of the code systems we expect most.
SNOMED_CT = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
ICD_10_PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
KNOWN_SYSTEMS = {
    SNOMED_CT: "SNOMED CT",
    CPT: "CPT",
    HCPCS: "HCPCS Level II",
    ICD_10_PCS: "ICD-10-PCS",
    RXNORM: "RxNorm",
    ATC: "ATC",
}

MAX_SYSTEM_LENGTH = 255
MAX_CODE_LENGTH = 64
MAX_CODES = 20
# Never in a system or code: whitespace, "|", and what the text rule refuses (controls, bidi).
_EXCLUDED = r"\s|\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"
# An absolute URI (RFC 3986: a scheme, a colon, then something), without spaces or "|" (the
# separator of `system|code` tokens). "urn:oid:2.16.840.1.113883.6.14" is one too. The lengths
# are in the pattern (a scheme of up to 32, the rest up to 222: 255 in all), so that OpenAPI
# states the whole rule.
SYSTEM_PATTERN = rf"^[A-Za-z][A-Za-z0-9+.\-]{{0,31}}:[^{_EXCLUDED}]{{1,222}}$"
# A code: 1 to 64 characters, no whitespace (a subset of FHIR's `code`, which allows single
# inner spaces; none of SNOMED CT, CPT, HCPCS, ICD-10-PCS, RxNorm or ATC uses them).
CODE_PATTERN = rf"^[^{_EXCLUDED}]{{1,{MAX_CODE_LENGTH}}}$"
# `system|code` as one pattern, lengths included: the whole rule of the `code` filter.
TOKEN_PATTERN = SYSTEM_PATTERN.removesuffix("$") + r"\|" + CODE_PATTERN.removeprefix("^")
_SYSTEM = re.compile(SYSTEM_PATTERN)
_CODE = re.compile(CODE_PATTERN)
TOKEN_HELP = (
    "Give `<system>|<code>`, where the system is an absolute URI such as "
    f"`{SNOMED_CT}` and the code is that system's code, e.g. `{SNOMED_CT}|12345`."
)


class CodeTokenError(ValueError):
    """A `system|code` token that is not well formed; the message says how to fix it."""


def system_problem(system: str) -> str | None:
    """Why `system` is not a code system URI we accept, or None when it is."""
    if _SYSTEM.fullmatch(system) and len(system) <= MAX_SYSTEM_LENGTH:
        return None
    return (
        f"A code system is an absolute URI of at most {MAX_SYSTEM_LENGTH} characters (a scheme "
        f"of at most 32) without spaces or `|`, e.g. `{SNOMED_CT}` (SNOMED CT) or "
        f"`{RXNORM}` (RxNorm)."
    )


def code_problem(code: str) -> str | None:
    """Why `code` is not a code we accept, or None when it is."""
    if _CODE.fullmatch(code) and len(code) <= MAX_CODE_LENGTH:
        return None
    return f"A code is 1 to {MAX_CODE_LENGTH} characters without `|`, spaces or control characters."


def parse_code_token(value: str) -> tuple[str, str]:
    """The (system, code) of a `system|code` token (FHIR token search), or CodeTokenError."""
    system, bar, code = value.partition("|")
    if not bar:
        raise CodeTokenError(f"The value has no `|` between system and code. {TOKEN_HELP}")
    problem = system_problem(system) or code_problem(code)
    if problem is not None:
        raise CodeTokenError(f"{problem} {TOKEN_HELP}")
    return system, code
