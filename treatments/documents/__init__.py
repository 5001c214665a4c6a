"""The canonical treatment document: its schema and the one builder of it."""
