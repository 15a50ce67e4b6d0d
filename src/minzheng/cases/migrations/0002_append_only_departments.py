"""Append-only triggers on PostgreSQL for the records of what happened, and the departments shipped by default.

Transitions, home visits and objections are legal records (ARCHITECTURE §5): UPDATE and DELETE are rejected.
The departments are the ones Chongqing's one-door intake refers to most (seed 004); administrators add,
rename or deactivate them in the admin.
"""

from django.db import migrations

TABLES = ("cases_transition", "cases_homevisit", "cases_objection")

FUNCTION = """
CREATE OR REPLACE FUNCTION minzheng_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%% is append-only: %% rejected', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

DEPARTMENTS = (
    ("education", "教育部门"),
    ("human_resources", "人力资源和社会保障部门"),
    ("housing", "住房和城乡建设部门"),
    ("health", "卫生健康部门"),
    ("medical_insurance", "医疗保障部门"),
    ("emergency_management", "应急管理部门"),
    ("disabled_persons_federation", "残疾人联合会"),
    ("rural_revitalisation", "农业农村（乡村振兴）部门"),
    ("trade_union", "总工会"),
    ("womens_federation", "妇女联合会"),
    ("justice", "司法行政部门（法律援助）"),
    ("youth_league", "共青团"),
)


def forwards(apps, schema_editor):
    Department = apps.get_model("cases", "Department")
    for order, (code, name) in enumerate(DEPARTMENTS):
        Department.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=())
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION minzheng_append_only();"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
