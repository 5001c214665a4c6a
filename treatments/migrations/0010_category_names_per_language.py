"""Category names in other languages than the catalogue's, and their published form.

`CategoryName` is what editors save; `PublishedCategoryName` what a published document in that
language made public. Every published category so far carries the catalogue's name (documents
took `Category.name` whatever their language), so existing rows are in CATALOGUE_LANGUAGE.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def catalogue_language(apps, schema_editor):
    published = apps.get_model("treatments", "PublishedCategory")
    published.objects.update(language=getattr(settings, "CATALOGUE_LANGUAGE", "en"))


class Migration(migrations.Migration):

    dependencies = [
        ('treatments', '0009_search_per_language_and_unaccent'),
    ]

    operations = [
        migrations.AddField(
            model_name='publishedcategory',
            name='language',
            field=models.CharField(default='en', max_length=35),
        ),
        migrations.RunPython(catalogue_language, migrations.RunPython.noop),
        migrations.CreateModel(
            name='CategoryName',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('language', models.CharField(help_text='A BCP 47 tag, e.g. "es" or "es-MX" (not the catalogue\'s own language).', max_length=35)),
                ('name', models.CharField(max_length=120)),
                ('description', models.TextField(blank=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='names', to='treatments.category')),
            ],
            options={
                'ordering': ['category', 'language'],
                'constraints': [models.UniqueConstraint(fields=('category', 'language'), name='categoryname_one_per_language', violation_error_message='The category has a name in this language already.')],
            },
        ),
        migrations.CreateModel(
            name='PublishedCategoryName',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('language', models.CharField(max_length=35)),
                ('name', models.CharField(max_length=120)),
                ('description', models.TextField(blank=True)),
                ('published_at', models.DateTimeField()),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='names', to='treatments.publishedcategory')),
            ],
            options={
                'ordering': ['category', 'language'],
                'constraints': [models.UniqueConstraint(fields=('category', 'language'), name='publishedcategoryname_one_per_language')],
            },
        ),
    ]
