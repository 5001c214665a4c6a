"""Database backends of the project (the ENGINE the settings name for PostgreSQL)."""
