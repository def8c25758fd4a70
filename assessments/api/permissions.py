"""Role checks for API views. Which patient's rows a user sees is decided elsewhere
(selectors.scope_to_user); these only say which roles may call an action at all."""

from __future__ import annotations

from rest_framework import permissions


class IsPatientRole(permissions.BasePermission):
    message = "Only the patient can do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user.is_authenticated and request.user.is_patient)


class IsPatientOrAdminRole(permissions.BasePermission):
    message = "Only the patient or an administrator can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user.is_authenticated and (user.is_patient or user.is_admin))


class IsAdminRole(permissions.BasePermission):
    message = "Only an administrator can do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user.is_authenticated and request.user.is_admin)


class IsStaffRole(permissions.BasePermission):
    message = "Only a physiotherapist or an administrator can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user.is_authenticated and (user.is_physiotherapist or user.is_admin))
