"""The UCUM units schema 1.2 quantities use: a closed table of codes, displays and dimensions.

UCUM (unitsofmeasure.org) is what FHIR's Quantity and Timing use. A general UCUM library would
accept any expression ("mg/kg/d", "10*6/uL", annotations); no maintained Python one exists,
and a treatment page needs a few dozen units. So the units are a closed list (`UcumUnit` in
choices.py) with, here, each one's display (its UCUM print symbol, or the code where UCUM
gives none) and dimension, and how the 1.0 units translate. tests/treatments/test_ucum.py
checks the table against NLM's reference implementation (ucum-lhc) when it is installed.
Adding a unit is additive (a new enum value); removing one is not.
"""

from dataclasses import dataclass
from enum import StrEnum

from treatments.choices import QuantityUnit, TimeUnit, UcumTimeUnit, UcumUnit


class Dimension(StrEnum):
    """What a unit measures; it decides which fields may use it and the sign of its values."""

    TIME = "time"
    TEMPERATURE = "temperature"
    LENGTH = "length"
    MASS = "mass"
    VOLUME = "volume"
    COUNT = "count"


@dataclass(frozen=True)
class Unit:
    """A UCUM unit as documents show it."""

    code: str
    display: str
    dimension: Dimension
    whole_numbers: bool = False  # a plain count ("1"): 2 injections, never 2.5
    lowest: float = 0.0  # the smallest value: 0, or absolute zero for temperatures


def _units(*units: Unit) -> dict[str, Unit]:
    return {unit.code: unit for unit in units}


UNITS: dict[str, Unit] = _units(
    Unit("s", "s", Dimension.TIME),
    Unit("min", "min", Dimension.TIME),
    Unit("h", "h", Dimension.TIME),
    Unit("d", "d", Dimension.TIME),
    Unit("wk", "wk", Dimension.TIME),
    Unit("mo", "mo", Dimension.TIME),
    Unit("a", "a", Dimension.TIME),
    Unit("Cel", "°C", Dimension.TEMPERATURE, lowest=-273.15),
    Unit("[degF]", "°F", Dimension.TEMPERATURE, lowest=-459.67),
    Unit("mm", "mm", Dimension.LENGTH),
    Unit("cm", "cm", Dimension.LENGTH),
    Unit("m", "m", Dimension.LENGTH),
    Unit("[in_i]", "in", Dimension.LENGTH),
    Unit("ug", "μg", Dimension.MASS),
    Unit("mg", "mg", Dimension.MASS),
    Unit("g", "g", Dimension.MASS),
    Unit("kg", "kg", Dimension.MASS),
    Unit("uL", "μL", Dimension.VOLUME),
    Unit("mL", "mL", Dimension.VOLUME),
    Unit("cm3", "cm³", Dimension.VOLUME),
    Unit("L", "L", Dimension.VOLUME),
    Unit("1", "", Dimension.COUNT, whole_numbers=True),
    Unit("10*3", "×10³", Dimension.COUNT),
    Unit("10*6", "×10⁶", Dimension.COUNT),
    Unit("10*9", "×10⁹", Dimension.COUNT),
    Unit("[iU]", "IU", Dimension.COUNT),
    Unit("%", "%", Dimension.COUNT),
)
assert set(UNITS) == set(UcumUnit.values), "every UcumUnit needs a row in UNITS, and no more"
assert {u for u in UNITS if UNITS[u].dimension == Dimension.TIME} == set(UcumTimeUnit.values)

# The 1.0 vocabularies in UCUM (FHIR's UnitsOfTime are the same time codes). Quantity units
# without an exact UCUM meaning ("unit", "dose") have none.
FROM_TIME_UNIT: dict[str, str] = {
    TimeUnit.MINUTE: "min",
    TimeUnit.HOUR: "h",
    TimeUnit.DAY: "d",
    TimeUnit.WEEK: "wk",
    TimeUnit.MONTH: "mo",
    TimeUnit.YEAR: "a",
}
FROM_QUANTITY_UNIT: dict[str, str] = {
    QuantityUnit.CC: "cm3",
    QuantityUnit.ML: "mL",
    QuantityUnit.L: "L",
    QuantityUnit.MG: "mg",
    QuantityUnit.G: "g",
    QuantityUnit.MCG: "ug",
}
TO_TIME_UNIT = {ucum: unit for unit, ucum in FROM_TIME_UNIT.items()}
TO_QUANTITY_UNIT = {ucum: unit for unit, ucum in FROM_QUANTITY_UNIT.items()}


def display(code: str) -> str:
    """How a unit is shown after a number ("°C", "mL"); "" for a plain count."""
    return UNITS[code].display
