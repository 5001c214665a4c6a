"""The Django admin for editors: inline editing, publishing, history with diffs, audit trail.

The admin is a second screen, not a second write path: a save builds the content document from
the forms, validates it with the contract and writes it through the same services as the editor
API; every decision about who may do what is asked of `treatments.permissions`.
"""

from . import categories, history, treatment  # noqa: F401 - registers the admins
