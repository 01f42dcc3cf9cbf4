from django.db import migrations

from civicnest.core.db import postgres_only

FORWARD = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE venues_booking ADD CONSTRAINT booking_room_no_overlap
    EXCLUDE USING gist (room_id WITH =, tstzrange("start", "end", '[)') WITH &&) WHERE (status = 'confirmed');
"""
BACKWARD = "ALTER TABLE venues_booking DROP CONSTRAINT IF EXISTS booking_room_no_overlap;"


class Migration(migrations.Migration):
    dependencies = [("venues", "0001_initial")]
    operations = [postgres_only(FORWARD, BACKWARD)]
