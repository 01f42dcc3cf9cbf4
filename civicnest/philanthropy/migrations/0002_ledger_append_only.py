"""The ledger is append-only in the database too: UPDATE is refused on both engines, DELETE on PostgreSQL.

(SQLite's test flush empties tables with DELETE, so SQLite keeps only the UPDATE trigger; the model refuses
delete() on both.)
"""

from typing import Any

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION philanthropy_ledger_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'philanthropy ledger entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER philanthropy_ledger_no_update BEFORE UPDATE OR DELETE ON philanthropy_ledgerentry
  FOR EACH ROW EXECUTE FUNCTION philanthropy_ledger_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS philanthropy_ledger_no_update ON philanthropy_ledgerentry;
DROP FUNCTION IF EXISTS philanthropy_ledger_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER philanthropy_ledger_no_update BEFORE UPDATE ON philanthropy_ledgerentry
BEGIN SELECT RAISE(ABORT, 'philanthropy ledger entries are append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS philanthropy_ledger_no_update;"


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("philanthropy", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
