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
# separator of `system|code` tokens). "urn:oid:2.16.840.1.113883.6.14" is one too.
SYSTEM_PATTERN = rf"^[A-Za-z][A-Za-z0-9+.\-]*:[^{_EXCLUDED}]+$"
# FHIR's `code` rule (no leading, trailing or double whitespace), without "|".
CODE_PATTERN = rf"^[^{_EXCLUDED}]+( [^{_EXCLUDED}]+)*$"
# `system|code` as one pattern, for OpenAPI (lengths are checked apart).
TOKEN_PATTERN = SYSTEM_PATTERN.removesuffix("$") + r"\|" + CODE_PATTERN.removeprefix("^")
_SYSTEM = re.compile(SYSTEM_PATTERN)
_CODE = re.compile(CODE_PATTERN)
TOKEN_HELP = (
    "Give `<system>|<code>`, where the system is an absolute URI such as "
    f"`{SNOMED_CT}` and the code is that system's code, e.g. `{SNOMED_CT}|12345`."
)


class CodeTokenError(ValueError):
    """A `system|code` token that is not well formed; the message says how to fix it."""


def parse_code_token(value: str) -> tuple[str, str]:
    """The (system, code) of a `system|code` token (FHIR token search), or CodeTokenError."""
    system, bar, code = value.partition("|")
    if not bar:
        raise CodeTokenError(f"The value has no `|` between system and code. {TOKEN_HELP}")
    if not _SYSTEM.fullmatch(system) or len(system) > MAX_SYSTEM_LENGTH:
        raise CodeTokenError(
            f"`{system[:80]}` is not an absolute URI of at most {MAX_SYSTEM_LENGTH} characters. "
            + TOKEN_HELP
        )
    if not _CODE.fullmatch(code) or len(code) > MAX_CODE_LENGTH:
        raise CodeTokenError(
            f"The code must be 1 to {MAX_CODE_LENGTH} characters without a `|`, leading, "
            f"trailing or repeated spaces. {TOKEN_HELP}"
        )
    return system, code
