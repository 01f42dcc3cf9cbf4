from django.db import migrations

from civicnest.core.db import postgres_only

FORWARD = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE incubation_tenancy ADD CONSTRAINT tenancy_desk_no_overlap
    EXCLUDE USING gist (desk_id WITH =, daterange(starts_on, COALESCE(moved_out_on, ends_on), '[)') WITH &&);
"""
BACKWARD = "ALTER TABLE incubation_tenancy DROP CONSTRAINT IF EXISTS tenancy_desk_no_overlap;"


class Migration(migrations.Migration):
    dependencies = [("incubation", "0001_initial")]
    operations = [postgres_only(FORWARD, BACKWARD)]
