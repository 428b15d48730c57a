# Records whether a sign-off was an attending's; the ones made before the role existed were not.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_list_indexes_match_sorts"),
    ]

    operations = [
        migrations.AddField(
            model_name="signoff",
            name="by_attending",
            field=models.BooleanField(default=False, editable=False),
        ),
    ]
