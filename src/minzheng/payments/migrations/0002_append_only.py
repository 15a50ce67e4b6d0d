"""Enrolment events are append-only on PostgreSQL (the trigger function comes from cases 0002)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TRIGGER payments_enrolmentevent_append_only BEFORE UPDATE OR DELETE ON payments_enrolmentevent "
            "FOR EACH ROW EXECUTE FUNCTION minzheng_append_only();"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS payments_enrolmentevent_append_only ON payments_enrolmentevent;")


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial"), ("cases", "0002_append_only_departments")]
    operations = [migrations.RunPython(forwards, backwards)]
