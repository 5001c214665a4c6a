"""Schema 1.1: medications, codes, safety detail, course limits; the read model follows.

`onset_max_weeks` now means "first noticed within" (the earliest end of any onset event, not
the latest), so live rows are re-projected from their stored documents.
"""

import json

import django.db.models.deletion
from django.db import migrations, models


def _first_noticed_within(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The pure projection of the hub, so the migration and later publishes agree.
    from treatments.publication.projection import onset_max_weeks

    Publication = apps.get_model("treatments", "Publication")
    for row in Publication.objects.only("pk", "document_json", "onset_max_weeks"):
        weeks = onset_max_weeks(json.loads(row.document_json))
        if weeks != row.onset_max_weeks:
            Publication.objects.filter(pk=row.pk).update(onset_max_weeks=weeks)


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0005_change_log_is_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="drugs",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="recoveryrule",
            name="medication_class",
            field=models.CharField(
                blank=True,
                help_text='Or the class, e.g. "anti-inflammatory medicines".',
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="recoveryrule",
            name="medication_codes",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='e.g. [{"system": "http://snomed.info/sct", "code": "...", "display": "..."}].',
            ),
        ),
        migrations.AddField(
            model_name="recoveryrule",
            name="medication_name",
            field=models.CharField(
                blank=True, help_text="For a medication rule: the drug it names.", max_length=200
            ),
        ),
        migrations.AddField(
            model_name="risk",
            name="codes",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='e.g. [{"system": "http://snomed.info/sct", "code": "...", "display": "..."}].',
            ),
        ),
        migrations.AddField(
            model_name="risk",
            name="population",
            field=models.CharField(
                blank=True,
                help_text='Who it applies to, e.g. "people with diabetes".',
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="risk",
            name="resolves_approximate",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="safetyitem",
            name="action",
            field=models.CharField(
                blank=True,
                help_text='For a warning sign: what to do, e.g. "Call 999".',
                max_length=500,
            ),
        ),
        migrations.AddField(
            model_name="safetyitem",
            name="codes",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='e.g. [{"system": "http://snomed.info/sct", "code": "...", "display": "..."}].',
            ),
        ),
        migrations.AddField(
            model_name="safetyitem",
            name="contraindication_kind",
            field=models.CharField(
                choices=[
                    ("absolute", "Absolute: the treatment must not be given"),
                    ("relative", "Relative: weigh risks and benefits"),
                    ("not_stated", "Not stated by the source"),
                ],
                default="not_stated",
                help_text="For a contraindication: absolute or relative.",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="safetyitem",
            name="detailed",
            field=models.BooleanField(
                default=False,
                help_text="Publish it in structure (kind, urgency, action, codes) too.",
            ),
        ),
        migrations.AddField(
            model_name="safetyitem",
            name="urgency",
            field=models.CharField(
                choices=[
                    ("emergency", "Call emergency services"),
                    ("same_day", "Seek care the same day"),
                    ("contact_clinic", "Contact the clinic"),
                    ("not_stated", "Not stated by the source"),
                ],
                default="not_stated",
                help_text="For a warning sign: how soon to get help.",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="step",
            name="duration_approximate",
            field=models.BooleanField(default=False, help_text='"about 10 minutes".'),
        ),
        migrations.AddField(
            model_name="step",
            name="guidance_optional",
            field=models.BooleanField(default=False, help_text="The guidance may be used."),
        ),
        migrations.AddField(
            model_name="step",
            name="optional",
            field=models.BooleanField(default=False, help_text="The step is done only sometimes."),
        ),
        migrations.AddField(
            model_name="timelineevent",
            name="milestone",
            field=models.CharField(
                blank=True,
                choices=[
                    ("first_improvement", "First improvement noticed"),
                    ("full_effect", "Full (peak) effect"),
                ],
                default="",
                help_text="For an onset: first improvement or full effect (blank: first noticed).",
                max_length=32,
            ),
        ),
        migrations.AddField(
            model_name="treatment",
            name="codes",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='Clinical codes, e.g. [{"system": "http://snomed.info/sct", "code": "...", "display": "..."}].',
            ),
        ),
        migrations.AddField(
            model_name="treatment",
            name="course_interval_approximate",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="treatment",
            name="course_limit_max_sessions",
            field=models.PositiveSmallIntegerField(
                blank=True, help_text="At most this many sessions per period.", null=True
            ),
        ),
        migrations.AddField(
            model_name="treatment",
            name="course_limit_period",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="treatment",
            name="course_limit_period_unit",
            field=models.CharField(
                blank=True,
                choices=[
                    ("minute", "minutes"),
                    ("hour", "hours"),
                    ("day", "days"),
                    ("week", "weeks"),
                    ("month", "months"),
                    ("year", "years"),
                ],
                default="",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="treatment",
            name="course_minimum_interval",
            field=models.PositiveIntegerField(
                blank=True, help_text="The shortest time allowed between two sessions.", null=True
            ),
        ),
        migrations.AddField(
            model_name="treatment",
            name="course_minimum_interval_unit",
            field=models.CharField(
                blank=True,
                choices=[
                    ("minute", "minutes"),
                    ("hour", "hours"),
                    ("day", "days"),
                    ("week", "weeks"),
                    ("month", "months"),
                    ("year", "years"),
                ],
                default="",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="treatment",
            name="imaging_guidance_optional",
            field=models.BooleanField(
                default=False,
                help_text='The guidance may be used, not always ("ultrasound may be used").',
            ),
        ),
        migrations.CreateModel(
            name="Medication",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("order", models.PositiveSmallIntegerField(default=0)),
                (
                    "name",
                    models.CharField(blank=True, help_text='e.g. "lidocaine".', max_length=200),
                ),
                (
                    "drug_class",
                    models.CharField(
                        blank=True, help_text='e.g. "corticosteroid".', max_length=200
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("active", "The treatment's active agent"),
                            ("anaesthetic", "Anaesthetic (numbing)"),
                            ("sedative", "Sedation"),
                            ("contrast", "Imaging contrast"),
                            ("other", "Other"),
                            ("not_stated", "Not stated by the source"),
                        ],
                        default="not_stated",
                        max_length=16,
                    ),
                ),
                (
                    "route",
                    models.CharField(
                        choices=[
                            ("oral", "By mouth"),
                            ("intravenous", "Into a vein"),
                            ("intramuscular", "Into a muscle"),
                            ("subcutaneous", "Under the skin"),
                            ("intradermal", "Into the skin"),
                            ("intra_articular", "Into a joint"),
                            ("epidural", "Epidural"),
                            ("perineural", "Around a nerve"),
                            ("local_injection", "Injected at the treated site"),
                            ("topical", "On the skin"),
                            ("inhaled", "Inhaled"),
                            ("other", "Other"),
                            ("not_stated", "Not stated by the source"),
                        ],
                        default="not_stated",
                        max_length=32,
                    ),
                ),
                (
                    "codes",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text='e.g. [{"system": "http://snomed.info/sct", "code": "...", "display": "..."}].',
                    ),
                ),
                (
                    "treatment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="medications",
                        to="treatments.treatment",
                    ),
                ),
            ],
            options={
                "ordering": ["treatment", "order", "id"],
                "abstract": False,
                "constraints": [
                    models.UniqueConstraint(
                        fields=("treatment", "order"),
                        name="medication_unique_order_per_treatment",
                        violation_error_message="Two entries have the same position; give each its own order.",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PublishedCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("system", models.CharField(max_length=255)),
                ("code", models.CharField(max_length=64)),
                (
                    "publication",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codes",
                        to="treatments.publication",
                    ),
                ),
            ],
            options={
                "ordering": ["publication", "system", "code"],
                "indexes": [
                    models.Index(fields=["system", "code"], name="publishedcode_lookup_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("publication", "system", "code"),
                        name="publishedcode_unique_per_publication",
                    )
                ],
            },
        ),
        migrations.RunPython(_first_noticed_within, migrations.RunPython.noop),
    ]
