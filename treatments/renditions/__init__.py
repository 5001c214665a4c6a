"""Pure functions of a frozen document: the recovery plan, iCalendar, and (later) JSON-LD, FHIR,
the embed card. No database, no HTTP: links and absolute URLs are added where served."""
