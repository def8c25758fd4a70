"""Every API read of patient data, and every refused attempt, goes to the access log."""

from __future__ import annotations

import uuid

from django.http import Http404
from rest_framework import exceptions

from assessments.audit import log_access, log_access_many

REFUSALS = (Http404, exceptions.NotFound, exceptions.PermissionDenied,
            exceptions.NotAuthenticated, exceptions.AuthenticationFailed)


class AccessLoggedMixin:
    """For viewsets over patient data: logs object reads, list pages and refusals.

    ``access_object_type`` names the kind of row in the log; ``access_patient_path`` is
    the lookup from the row to its Patient ("" when the row is the Patient). A refused
    or unknown object is logged as denied with the patient it really belongs to (or the
    patient named in the request), so the log shows whose data someone tried to reach.
    """

    access_object_type = ""
    access_patient_path = "patient"

    def get_object(self):
        obj = super().get_object()
        log_access(self.request, patient_id=self._patient_id_of(obj), action=self._action(),
                   allowed=True, object_type=self.access_object_type, object_id=obj.pk)
        return obj

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        rows = page if page is not None else queryset
        log_access_many(self.request, patient_ids=[self._patient_id_of(r) for r in rows],
                        action=self._action(), object_type=self.access_object_type)
        return page

    def handle_exception(self, exc):
        if isinstance(exc, REFUSALS):
            object_id = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
            patient_id = self._owner_of(object_id) if object_id else self._named_patient()
            log_access(self.request, patient_id=patient_id, action=self._action(),
                       allowed=False, object_type=self.access_object_type,
                       object_id=object_id)
        return super().handle_exception(exc)

    def _action(self) -> str:
        return f"{self.request.method} {getattr(self, 'action', None) or 'request'}"

    def _patient_id_of(self, obj):
        if not self.access_patient_path:
            return obj.pk
        *steps, last = self.access_patient_path.split("__")
        for step in steps:
            obj = getattr(obj, step)
        return getattr(obj, obj._meta.get_field(last).attname)

    def _owner_of(self, object_id: str):
        """The patient an object ID really belongs to (None if there is no such row)."""
        model = self.get_queryset().model
        field = self.access_patient_path or "pk"
        return model._default_manager.filter(pk=object_id).values_list(field, flat=True).first()

    def _named_patient(self):
        """The patient a refused create or filter named, when it is a well-formed ID."""
        try:
            named = self.request.data.get("patient") if self.request.method == "POST" else None
        except (exceptions.APIException, AttributeError):  # unparsable or not an object
            named = None
        named = named or self.request.query_params.get("patient")
        try:
            return uuid.UUID(str(named)) if named else None
        except ValueError:
            return None
