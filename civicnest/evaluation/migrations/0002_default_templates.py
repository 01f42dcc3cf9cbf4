from django.db import migrations


def forwards(apps, schema_editor):
    from civicnest.evaluation.defaults import install

    install(apps.get_model("evaluation", "IndicatorTemplate"), apps.get_model("evaluation", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
