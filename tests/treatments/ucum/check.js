// Reads UCUM codes (one JSON array on stdin) and prints, for each, what NLM's reference
// implementation (ucum-lhc) says: valid or not, its print symbol, its property (dimension
// name), and its value in the base unit of its kind (seconds, grams, ...). Used by
// tests/treatments/test_ucum.py.
const ucum = require("@lhncbc/ucum-lhc");
const utils = ucum.UcumLhcUtils.getInstance();
const input = require("fs").readFileSync(0, "utf8");
const results = {};
for (const code of JSON.parse(input)) {
  const validated = utils.validateUnitString(code, true);
  const unit = validated.unit;
  const base = { s: "s", min: "s", h: "s", d: "s", wk: "s", mo: "s", a: "s" }[code];
  let seconds = null;
  if (base) {
    const converted = utils.convertUnitTo(code, 1, "s");
    seconds = converted.status === "succeeded" ? converted.toVal : null;
  }
  results[code] = {
    status: validated.status,
    name: unit ? unit.name : null,
    property: validated.unit ? (utils.getSpecifiedUnit(code, "validate").unit || {}).property_ || null : null,
    printSymbol: validated.unit ? (utils.getSpecifiedUnit(code, "validate").unit || {}).printSymbol_ || null : null,
    seconds,
  };
}
process.stdout.write(JSON.stringify(results));
