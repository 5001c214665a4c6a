"""Controlled vocabularies of the treatment domain."""

from django.db import models


class Classification(models.TextChoices):
    """What kind of intervention a treatment is."""

    BIOLOGICAL = "biological", "Biological"
    PHARMACOLOGICAL = "pharmacological", "Pharmacological"
    PROCEDURAL = "procedural", "Procedural"
    SURGICAL = "surgical", "Surgical"
    PHYSICAL = "physical", "Physical therapy"
    DEVICE = "device", "Device"
    OTHER = "other", "Other"


class TissueSource(models.TextChoices):
    """Whose tissue a biological treatment uses."""

    AUTOLOGOUS = "autologous", "Autologous (from self)"
    ALLOGENEIC = "allogeneic", "Allogeneic (from others)"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class TimeUnit(models.TextChoices):
    """Units for durations, offsets and ranges."""

    MINUTE = "minute", "minutes"
    HOUR = "hour", "hours"
    DAY = "day", "days"
    WEEK = "week", "weeks"
    MONTH = "month", "months"
    YEAR = "year", "years"


class QuantityUnit(models.TextChoices):
    """Units for quantities drawn, injected or taken."""

    CC = "cc", "cc (cubic centimetres)"
    ML = "ml", "millilitres"
    L = "l", "litres"
    MG = "mg", "milligrams"
    G = "g", "grams"
    MCG = "mcg", "micrograms"
    UNIT = "unit", "units"
    DOSE = "dose", "doses"


class LikelihoodBand(models.TextChoices):
    """Standard frequency bands (EU SmPC convention), plus "not known" and "none stated"."""

    VERY_COMMON = "very_common", "Very common (1 in 10 or more)"
    COMMON = "common", "Common (1 in 100 to 1 in 10)"
    UNCOMMON = "uncommon", "Uncommon (1 in 1,000 to 1 in 100)"
    RARE = "rare", "Rare (1 in 10,000 to 1 in 1,000)"
    VERY_RARE = "very_rare", "Very rare (less than 1 in 10,000)"
    NOT_KNOWN = "not_known", "Not known"
    NONE = "none", "No risk stated by the source"


class LikelihoodBasis(models.TextChoices):
    """Whether a likelihood band comes from measured frequencies or from the source's words."""

    QUALITATIVE = "qualitative", "Mapped from the source's qualitative wording"
    MEASURED = "measured", "From a measured frequency"


class Seriousness(models.TextChoices):
    """How serious a risk is when it happens."""

    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"
    NOT_STATED = "not_stated", "Not stated by the source"


class ActivityKind(models.TextChoices):
    """Activities that recovery and preparation rules govern; medications count too."""

    STRENUOUS_ACTIVITY = "strenuous_activity", "Strenuous activity"
    NORMAL_ACTIVITIES = "normal_activities", "Normal activities"
    RUNNING = "running", "Running or jogging"
    EXERCISE = "exercise", "Exercise"
    DRIVING = "driving", "Driving"
    WORK = "work", "Work"
    BATHING = "bathing", "Bathing or swimming"
    EATING_DRINKING = "eating_drinking", "Eating or drinking"
    ALCOHOL = "alcohol", "Alcohol"
    MEDICATION = "medication", "Medication"
    OTHER = "other", "Other"


class RestrictionKind(models.TextChoices):
    """What a rule says about an activity during its window."""

    AVOID = "avoid", "Avoid"
    LIMIT = "limit", "Limit"
    RESUME = "resume", "Resume"
    ALLOWED = "allowed", "Allowed"


class RuleCondition(models.TextChoices):
    """When a rule applies; most apply always."""

    ALWAYS = "always", "Always"
    ANAESTHESIA_GIVEN = "anaesthesia_given", "Only if anaesthesia was given"
    SEDATION_GIVEN = "sedation_given", "Only if sedation was given"
    OTHER = "other", "Other condition (see condition text)"


class TimelineEventKind(models.TextChoices):
    """What a timeline entry measures."""

    ONSET = "onset", "Time until the effect is noticed"
    DURATION_OF_EFFECT = "duration_of_effect", "How long the effect lasts"
    SIDE_EFFECTS_RESOLVE = "side_effects_resolve", "Time until side effects resolve"
    RECOVERY = "recovery", "Recovery"
    FOLLOW_UP = "follow_up", "Follow-up"


class SafetyKind(models.TextChoices):
    """Safety information that is not a risk of the procedure itself."""

    CONTRAINDICATION = "contraindication", "Contraindication"
    WARNING_SIGN = "warning_sign", "Warning sign that needs urgent help"


class AuditAction(models.TextChoices):
    """Editorial actions recorded in the audit log."""

    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    PUBLISH = "publish", "Publish"
    UNPUBLISH = "unpublish", "Unpublish"
    REVERT = "revert", "Revert"
    DELETE = "delete", "Delete"
    RESTORE = "restore", "Restore"
    # Clinical review (the `editorial` room).
    REVIEW_REQUEST = "review_request", "Review requested"
    APPROVE = "approve", "Approved by a clinical reviewer"
    REQUEST_CHANGES = "request_changes", "Changes requested"
    COMMENT = "comment", "Review comment"
    # Scheduled actions and releases (`editorial.releases`).
    SCHEDULE = "schedule", "Scheduled"
    UNSCHEDULE = "unschedule", "Schedule cancelled"
    SCHEDULE_RUN = "schedule_run", "Scheduled action ran"
    RELEASE_PUBLISH = "release_publish", "Published in a release"
    # Preview links for reviewers without an admin account (`editorial.previews`).
    PREVIEW_LINK = "preview_link", "Preview link created"
    PREVIEW_REVOKE = "preview_revoke", "Preview link revoked"


# --- schema 1.1: new vocabularies (the 1.0 ones above never grow: 1.0 clients treat them as
# closed enums) --------------------------------------------------------------------------------


class TimelineMilestone(models.TextChoices):
    """Which moment an onset event describes, when the source tells more than one apart."""

    FIRST_IMPROVEMENT = "first_improvement", "First improvement noticed"
    FULL_EFFECT = "full_effect", "Full (peak) effect"


class MedicationRole(models.TextChoices):
    """What a drug given in the treatment is for."""

    ACTIVE = "active", "The treatment's active agent"
    ANAESTHETIC = "anaesthetic", "Anaesthetic (numbing)"
    SEDATIVE = "sedative", "Sedation"
    CONTRAST = "contrast", "Imaging contrast"
    OTHER = "other", "Other"
    NOT_STATED = "not_stated", "Not stated by the source"


class MedicationRoute(models.TextChoices):
    """How a drug is given."""

    ORAL = "oral", "By mouth"
    INTRAVENOUS = "intravenous", "Into a vein"
    INTRAMUSCULAR = "intramuscular", "Into a muscle"
    SUBCUTANEOUS = "subcutaneous", "Under the skin"
    INTRADERMAL = "intradermal", "Into the skin"
    INTRA_ARTICULAR = "intra_articular", "Into a joint"
    EPIDURAL = "epidural", "Epidural"
    PERINEURAL = "perineural", "Around a nerve"
    LOCAL_INJECTION = "local_injection", "Injected at the treated site"
    TOPICAL = "topical", "On the skin"
    INHALED = "inhaled", "Inhaled"
    OTHER = "other", "Other"
    NOT_STATED = "not_stated", "Not stated by the source"


class ContraindicationKind(models.TextChoices):
    """Whether a contraindication rules the treatment out or calls for caution."""

    ABSOLUTE = "absolute", "Absolute: the treatment must not be given"
    RELATIVE = "relative", "Relative: weigh risks and benefits"
    NOT_STATED = "not_stated", "Not stated by the source"


class WarningUrgency(models.TextChoices):
    """How soon a patient with a warning sign must get help."""

    EMERGENCY = "emergency", "Call emergency services"
    SAME_DAY = "same_day", "Seek care the same day"
    CONTACT_CLINIC = "contact_clinic", "Contact the clinic"
    NOT_STATED = "not_stated", "Not stated by the source"


# --- schema 1.2: new vocabularies (the 1.0 and 1.1 ones above never grow) ----------------------


class UcumUnit(models.TextChoices):
    """Units of 1.2 quantities: UCUM codes (unitsofmeasure.org), a closed and tested set."""

    SECOND = "s", "seconds"
    MINUTE = "min", "minutes"
    HOUR = "h", "hours"
    DAY = "d", "days"
    WEEK = "wk", "weeks"
    MONTH = "mo", "months"
    YEAR = "a", "years"
    CELSIUS = "Cel", "degrees Celsius"
    FAHRENHEIT = "[degF]", "degrees Fahrenheit"
    MILLIMETRE = "mm", "millimetres"
    CENTIMETRE = "cm", "centimetres"
    METRE = "m", "metres"
    INCH = "[in_i]", "inches"
    MICROGRAM = "ug", "micrograms"
    MILLIGRAM = "mg", "milligrams"
    GRAM = "g", "grams"
    KILOGRAM = "kg", "kilograms"
    MICROLITRE = "uL", "microlitres"
    MILLILITRE = "mL", "millilitres"
    CUBIC_CENTIMETRE = "cm3", "cubic centimetres (cc)"
    LITRE = "L", "litres"
    COUNT = "1", "a count (of what: see `of`)"
    THOUSANDS = "10*3", "thousands"
    MILLIONS = "10*6", "millions"
    BILLIONS = "10*9", "thousand millions"
    INTERNATIONAL_UNIT = "[iU]", "international units"
    PERCENT = "%", "percent"


class UcumTimeUnit(models.TextChoices):
    """Units of 1.2 durations: the UCUM time codes (FHIR's Timing uses the same)."""

    SECOND = "s", "seconds"
    MINUTE = "min", "minutes"
    HOUR = "h", "hours"
    DAY = "d", "days"
    WEEK = "wk", "weeks"
    MONTH = "mo", "months"
    YEAR = "a", "years"


class EligibilityKind(models.TextChoices):
    """What an eligibility criterion is about."""

    PRIOR_PROCEDURE = "prior_procedure", "A procedure had before"
    PRIOR_TREATMENT_FAILED = "prior_treatment_failed", "A treatment tried before did not help"
    DIAGNOSIS = "diagnosis", "A diagnosis"
    AGE = "age", "Age"
    OTHER = "other", "Other (see the explanation)"


class CountRelation(models.TextChoices):
    """How a criterion's count compares ("at least 2")."""

    AT_LEAST = "at_least", "at least"
    AT_MOST = "at_most", "at most"
    EXACTLY = "exactly", "exactly"


class CriterionOutcome(models.TextChoices):
    """For a prior procedure: how it must have gone."""

    SUCCESSFUL = "successful", "Successful"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"
    NOT_STATED = "not_stated", "Not stated by the source"
