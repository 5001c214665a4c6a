"""What the bundle tests share: numbered copies of the seed, published and withdrawn."""

from typing import Any

from treatments import services
from treatments.documents.schema import TreatmentContent
from treatments.models import Treatment

PAIN = "pain-treatments"


def publish_copy(seed_data: dict[str, Any], slug: str, *, category: str = PAIN) -> Treatment:
    """Publish the seed under `slug` (titled after it), in `category`."""
    data = {**seed_data, "slug": slug, "title": slug.replace("-", " ").capitalize()}
    if category != PAIN:
        data["category"] = {"slug": category, "name": category.replace("-", " ").title()}
    services.content_load(content=TreatmentContent.model_validate(data), publish=True)
    return Treatment.objects.get(slug=slug)


def unpublish(treatment: Treatment) -> None:
    version = Treatment.objects.get(pk=treatment.pk).version
    services.treatment_unpublish(treatment_id=treatment.pk, expected_version=version, actor=None)
