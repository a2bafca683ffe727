"""INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike."""

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model, values: dict | list[dict], keys: list[str]):
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model).values(values).on_conflict_do_nothing(index_elements=keys)
