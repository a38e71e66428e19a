"""Alembic environment of the embedded platform. Run through app/migrations (`flask --app
app db ...`), which hands over the connection, the models and the version table."""
from alembic import context

from app.migrations import run_environment

run_environment(context)
