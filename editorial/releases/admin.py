"""The admin of scheduling: upcoming actions (cancel them), releases (members, publish, schedule).

Like the treatment admin it is a second screen, not a second write path: every change goes
through editorial.releases.services, and every button is a form of its own on a page of its
own (never a form inside the change form, which browsers do not allow).
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from treatments import services as treatment_services
from treatments.models import Treatment
from treatments.permissions import Action, can

from . import selectors, services
from .forms import ScheduleTimeForm, TreatmentScheduleForm
from .models import Release, ReleaseMember, ReleaseState, ScheduledAction, ScheduleState
from .releasing import release_problems


def _target(action: ScheduledAction) -> str:
    if action.release_id is not None:
        url = reverse("admin:releases_release_change", args=[action.release_id])
    else:
        url = reverse("admin:treatments_treatment_change", args=[action.treatment_id])
    return format_html('<a href="{}">{}</a>', url, action.target_label)


def treatment_schedule_url(treatment: Treatment) -> str:
    """The admin page where a treatment's publish or withdrawal is scheduled."""
    return reverse("admin:releases_treatment_schedule", args=[treatment.pk])


def treatment_schedule_context(request: HttpRequest, treatment: Treatment) -> dict[str, Any]:
    """What a page needs to show a treatment's schedule (its panel, its schedule page)."""
    return {
        "treatment": treatment,
        "actions": list(selectors.actions_of_treatment(treatment_id=treatment.pk)),
        "can_schedule": can(request.user, Action.PUBLISH),
        "schedule_url": treatment_schedule_url(treatment),
        "zone": timezone.get_current_timezone_name(),
    }


class _StyledAdmin(admin.ModelAdmin):
    """Loads releases/admin/releases.css (target sizes, wrapping) on this app's pages."""

    class Media:
        css = {"all": ["releases/admin/releases.css"]}

    def has_module_permission(self, request: HttpRequest) -> bool:
        # The one policy decides, not Django's model permissions (the role groups hold none
        # for this app): without this, the admin's home page hid Releases and Scheduled
        # actions from the publishers who use them.
        return bool(request.user.is_staff) and can(request.user, Action.VIEW)


class StateFilter(admin.SimpleListFilter):
    """Pending actions unless asked otherwise: the list is first of all what is coming up."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*ScheduleState.choices, ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or ScheduleState.PENDING) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value() or ScheduleState.PENDING
        return queryset if value == "all" else queryset.filter(state=value)


@admin.register(ScheduledAction)
class ScheduledActionAdmin(_StyledAdmin):
    """Upcoming (and past) scheduled actions; cancel the pending ones."""

    list_display = ["run_at", "kind", "target", "state", "created_by", "outcome"]
    list_filter = [StateFilter, "kind"]
    list_select_related = ["treatment", "release", "created_by"]
    actions = ["cancel_selected"]
    change_list_template = "admin/releases/scheduledaction/change_list.html"
    readonly_fields = [
        "treatment",
        "release",
        "kind",
        "run_at",
        "state",
        "version",
        "note",
        "created_by",
        "created_at",
        "cancelled_by",
        "cancel_reason",
        "ran_at",
        "result",
    ]

    @admin.display(description="treatment or release")
    def target(self, obj: ScheduledAction) -> str:
        return _target(obj)

    @admin.display(description="outcome")
    def outcome(self, obj: ScheduledAction) -> str:
        return obj.result or obj.cancel_reason

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.VIEW)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # scheduled from a treatment's page or a release's page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancelled, never deleted: the record of what was planned stays

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Action.PUBLISH)

    @admin.action(description="Cancel the selected pending actions", permissions=["publish"])
    def cancel_selected(self, request: HttpRequest, queryset: Any) -> None:
        for action in queryset.filter(state=ScheduleState.PENDING):
            try:
                with transaction.atomic():
                    if action.release_id is not None:
                        services.release_unschedule(
                            release_id=action.release_id, actor=request.user
                        )
                    else:
                        services.schedule_cancel(action_id=action.pk, actor=request.user)
            except treatment_services.ServiceError as exc:
                self.message_user(request, f"{action}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, f"Cancelled: {action}.", messages.SUCCESS)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "treatment/<uuid:treatment_id>/",
                wrap(self.treatment_schedule_view),
                name="releases_treatment_schedule",
            ),
            path(
                "<int:action_id>/cancel/",
                wrap(self.cancel_view),
                name="releases_scheduledaction_cancel",
            ),
            *super().get_urls(),
        ]

    def treatment_schedule_view(self, request: HttpRequest, treatment_id: Any) -> HttpResponse:
        """A treatment's scheduled actions, and the form that schedules another."""
        if not can(request.user, Action.VIEW):
            raise PermissionDenied
        treatment = get_object_or_404(Treatment, pk=treatment_id)
        form = TreatmentScheduleForm(
            request.POST if request.method == "POST" else None,
            initial={"expected_version": treatment.version},
        )
        if request.method == "POST":
            if not can(request.user, Action.PUBLISH):
                raise PermissionDenied
            if form.is_valid() and self._schedule(request, treatment, form):
                return HttpResponseRedirect(treatment_schedule_url(treatment))
        context = {
            **self.admin_site.each_context(request),
            **treatment_schedule_context(request, treatment),
            "opts": self.model._meta,
            "title": f"Schedule: {treatment.title}",
            "form": form,
            "change_url": reverse("admin:treatments_treatment_change", args=[treatment.pk]),
        }
        return TemplateResponse(request, "admin/releases/treatment_schedule.html", context)

    def _schedule(
        self, request: HttpRequest, treatment: Treatment, form: TreatmentScheduleForm
    ) -> bool:
        data = form.cleaned_data
        try:
            with transaction.atomic():
                action = services.schedule_create(
                    treatment_id=treatment.pk,
                    kind=data["action"],
                    run_at=data["at"],
                    expected_version=data["expected_version"],
                    note=data["note"],
                    actor=request.user,
                )
        except treatment_services.ConflictError as exc:
            form.add_error(None, f"{exc.detail} (The page showed version {exc.expected_version}.)")
            # Show the current version, so that scheduling again binds what the page now says.
            data = request.POST.copy()
            data["expected_version"] = str(exc.current_version)
            form.data = data
            return False
        except treatment_services.ServiceError as exc:
            form.add_error(
                "at" if isinstance(exc, services.ScheduleInputError) else None, exc.detail
            )
            return False
        self.message_user(
            request,
            f"Scheduled: {action.get_kind_display().lower()} “{treatment.title}” at "
            f"{timezone.localtime(action.run_at):%Y-%m-%d %H:%M %Z}.",
            messages.SUCCESS,
        )
        return True

    def cancel_view(self, request: HttpRequest, action_id: int) -> HttpResponse:
        """Cancel one pending action (a POST from the treatment's schedule)."""
        if request.method != "POST":
            return HttpResponse("Use the Cancel button (POST).", status=405)
        if not can(request.user, Action.PUBLISH):
            raise PermissionDenied
        action = get_object_or_404(ScheduledAction, pk=action_id, treatment__isnull=False)
        try:
            with transaction.atomic():
                services.schedule_cancel(action_id=action.pk, actor=request.user)
        except treatment_services.ServiceError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
        else:
            self.message_user(request, f"Cancelled: {action}.", messages.SUCCESS)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = treatment_schedule_url(action.treatment)  # type: ignore[arg-type]
        return HttpResponseRedirect(back)


class _MemberFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """Each row's Delete box has a name a screen reader reads (a table cell has no label)."""

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            row = "the new member" if index is None else f"member {index + 1}"
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Delete {row}"


class ReleaseMemberInline(admin.TabularInline):
    """The release's members; they change only while it is a draft."""

    model = ReleaseMember
    formset = _MemberFormSet

    class Media:
        js = ["releases/admin/members.js"]

    fields = ["treatment", "action", "version", "working_copy", "added_at"]
    readonly_fields = ["version", "working_copy", "added_at"]
    autocomplete_fields = ["treatment"]
    extra = 1

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """Name the row's controls for screen readers: table cells carry no <label>."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is None:
            return field
        widget: Any = getattr(field.widget, "widget", field.widget)  # inside the related wrapper
        if db_field.name == "treatment":
            # Select2 names its box by the shown text: an empty row shows this placeholder.
            widget.attrs["data-placeholder"] = "Choose a treatment"
            widget.attrs["aria-label"] = "Treatment"
        elif db_field.name == "action":
            widget.attrs["aria-label"] = "Action"
        return field

    @admin.display(description="working copy now")
    def working_copy(self, member: ReleaseMember) -> str:
        if member.pk is None:
            return "–"
        current = member.treatment.version
        if member.action == "publish" and current != member.version:
            return (
                f"version {current}: changed since it was added; tick Delete and add it again "
                "in a new row"
            )
        return f"version {current}"

    def _editable(self, request: HttpRequest, obj: Any) -> bool:
        return can(request.user, Action.PUBLISH) and (
            obj is None or obj.state == ReleaseState.DRAFT
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.VIEW)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)


# What the admin shows of a release and never lets anyone edit (the services set them).
RELEASE_FACTS = [
    "state",
    "message",
    "created_by",
    "created_at",
    "published_at",
    "first_sequence",
    "last_sequence",
]


@admin.register(Release)
class ReleaseAdmin(_StyledAdmin):
    """Releases: a name, members, and buttons to publish now or schedule."""

    list_display = ["name", "state", "member_count", "scheduled_for", "published_at", "created_by"]
    list_filter = ["state"]
    search_fields = ["name"]
    inlines = [ReleaseMemberInline]
    change_form_template = "admin/releases/release/change_form.html"
    fields = ["name", *RELEASE_FACTS]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.state != ReleaseState.DRAFT:
            return ["name", *RELEASE_FACTS]
        return list(RELEASE_FACTS)

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.release_list().select_related("created_by")

    @admin.display(description="members")
    def member_count(self, obj: Release) -> int:
        return int(obj.member_count)  # type: ignore[attr-defined]

    @admin.display(description="scheduled for")
    def scheduled_for(self, obj: Release) -> Any:
        action = obj.scheduled_actions.filter(state=ScheduleState.PENDING).first()
        return action.run_at if action else "–"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.VIEW)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Action.PUBLISH)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, Action.PUBLISH)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # --- saving through the services --------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Release, form: Any, change: bool) -> None:
        if change:
            if "name" in form.changed_data:
                services.release_rename(release_id=obj.pk, name=obj.name, actor=request.user)
            return
        created = services.release_create(name=obj.name, actor=request.user)
        obj.pk = created.pk
        obj.created_by = created.created_by
        obj.created_at = created.created_at
        obj._state.adding = False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        release = form.instance
        for member_form in formset.forms:
            data = getattr(member_form, "cleaned_data", None) or {}
            old = member_form.instance if member_form.instance.pk else None
            if data.get("DELETE") and old is not None:
                services.release_member_remove(
                    release_id=release.pk, treatment_id=old.treatment_id, actor=request.user
                )
                continue
            if not data or not member_form.has_changed() or data.get("DELETE"):
                continue
            if old is not None and old.treatment_id != data["treatment"].pk:
                services.release_member_remove(
                    release_id=release.pk, treatment_id=old.treatment_id, actor=request.user
                )
            services.release_member_set(
                release_id=release.pk,
                treatment_id=data["treatment"].pk,
                action=data["action"],
                expected_version=None,
                actor=request.user,
            )
        # Saved by the services above; nothing for the admin to save or to log per row.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    # --- publish now, schedule, unschedule: pages of their own --------------------------------

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:release_id>/publish/", wrap(self.publish_view), name="releases_publish"),
            path("<int:release_id>/schedule/", wrap(self.schedule_view), name="releases_schedule"),
            path(
                "<int:release_id>/unschedule/",
                wrap(self.unschedule_view),
                name="releases_unschedule",
            ),
            *super().get_urls(),
        ]

    def _release(self, request: HttpRequest, release_id: int) -> Release:
        if not can(request.user, Action.PUBLISH):
            raise PermissionDenied
        return get_object_or_404(Release, pk=release_id)

    def _back(self, release: Release) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:releases_release_change", args=[release.pk]))

    def _page(
        self, request: HttpRequest, release: Release, template: str, **extra: Any
    ) -> HttpResponse:
        problems = release_problems(release) if release.state == ReleaseState.DRAFT else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": release,
            "members": release.members.select_related("treatment").order_by("id"),
            "problems": problems,
            "change_url": reverse("admin:releases_release_change", args=[release.pk]),
            **extra,
        }
        return TemplateResponse(request, template, context)

    def publish_view(self, request: HttpRequest, release_id: int) -> HttpResponse:
        """GET: what will go live, and a Publish now button; POST: publish it."""
        release = self._release(request, release_id)
        if request.method == "POST":
            try:
                with transaction.atomic():
                    services.release_publish(release_id=release.pk, actor=request.user)
            except treatment_services.ServiceError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
            else:
                release.refresh_from_db()
                self.message_user(
                    request,
                    f"Release “{release.name}” is live. {release.message}",
                    messages.SUCCESS,
                )
            return self._back(release)
        return self._page(
            request,
            release,
            "admin/releases/release/publish.html",
            title=f"Publish release “{release.name}” now",
        )

    def schedule_view(self, request: HttpRequest, release_id: int) -> HttpResponse:
        """GET: a time to go live at; POST: schedule the release then."""
        release = self._release(request, release_id)
        form = ScheduleTimeForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    action = services.release_schedule(
                        release_id=release.pk, run_at=form.cleaned_data["at"], actor=request.user
                    )
            except treatment_services.ServiceError as exc:
                form.add_error(None, exc.detail)
            else:
                self.message_user(
                    request,
                    f"Release “{release.name}” is scheduled for "
                    f"{timezone.localtime(action.run_at):%Y-%m-%d %H:%M %Z}.",
                    messages.SUCCESS,
                )
                return self._back(release)
        return self._page(
            request,
            release,
            "admin/releases/release/schedule.html",
            title=f"Schedule release “{release.name}”",
            form=form,
        )

    def unschedule_view(self, request: HttpRequest, release_id: int) -> HttpResponse:
        """POST: cancel the release's schedule; it becomes a draft again."""
        release = self._release(request, release_id)
        if request.method != "POST":
            return HttpResponse("Use the Cancel schedule button (POST).", status=405)
        try:
            with transaction.atomic():
                services.release_unschedule(release_id=release.pk, actor=request.user)
        except treatment_services.ServiceError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
        else:
            self.message_user(request, "The schedule is cancelled; the release is a draft again.")
        return self._back(release)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        context["may_publish"] = can(request.user, Action.PUBLISH)
        context["schedule"] = selectors.release_schedule(obj) if obj is not None else None
        return super().render_change_form(request, context, add, change, form_url, obj)
