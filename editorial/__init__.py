"""The editorial room: clinical review, scheduled actions, releases and preview links.

It sits above `treatments` (whose services it calls and whose publish gate it plugs into) and
`events` (whose worker runs scheduled actions and sends its notices), and below `api` (whose
editor endpoints call it). Its sub-apps each own their models and migrations:
`editorial` (review rounds, approvals, comments), `editorial.releases` (scheduled actions and
releases) and `editorial.previews` (signed preview links).
"""
