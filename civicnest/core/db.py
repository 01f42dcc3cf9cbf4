"""Database helpers shared by apps: PostgreSQL-only DDL in migrations."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def postgres_only(forward_sql: str, backward_sql: str) -> migrations.RunPython:
    """A migration step that runs raw SQL on PostgreSQL and does nothing elsewhere.

    Used for invariants only PostgreSQL can hold (exclusion constraints); on SQLite the service layer
    enforces the same rule inside a write-locked transaction.
    """

    def run(sql: str) -> Any:
        def apply(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(forward_sql), run(backward_sql), elidable=False)
