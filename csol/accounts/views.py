from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy, translate_url
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from csol.accounts.forms import AcceptInvitationForm, InviteForm, RoleForm, SignInForm
from csol.core.models import Invitation, Membership
from csol.core.selectors import customer_members
from csol.core.services.memberships import (
    invitation_accept,
    invitation_from_token,
    membership_change_role,
    membership_deactivate,
    membership_invite,
)


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_success_url(self):
        # Land in the language the user chose last time (French first for Quebec customers).
        language = self.request.user.language
        translation.activate(language)
        return translate_url(super().get_success_url(), language)

    def form_valid(self, form):
        response = super().form_valid(form)
        response.set_cookie("django_language", self.request.user.language, samesite="Lax", httponly=True)
        return response


class SignOutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password_reset.txt"
    html_email_template_name = "emails/password_reset.html"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


def _managed_customer(request):
    """The active customer, if the user administers it; otherwise 404 (not theirs to manage)."""
    viewer = request.viewer
    if viewer.active_customer_id is None or viewer.is_agent or not viewer.can("manage_users"):
        raise Http404
    return viewer.active_customer


def _managed_membership(request, pk):
    customer = _managed_customer(request)
    return get_object_or_404(Membership.objects.select_related("user"), pk=pk, customer=customer)


@login_required
def team(request):
    customer = _managed_customer(request)
    pending = Invitation.objects.filter(customer=customer, accepted_at__isnull=True)[:50]
    return render(
        request,
        "accounts/team.html",
        {"customer": customer, "members": customer_members(customer=customer), "pending": pending, "form": InviteForm()},
    )


@login_required
def invite(request):
    customer = _managed_customer(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership_invite(
                customer=customer,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                build_url=lambda token: request.build_absolute_uri(reverse("accounts:accept_invitation", args=[token])),
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
            return redirect("accounts:team")
    return render(request, "accounts/invite.html", {"form": form, "customer": customer})


@login_required
def member_edit(request, pk):
    membership = _managed_membership(request, pk)
    form = RoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            membership_change_role(membership=membership, role=form.cleaned_data["role"], actor=request.user)
        except ValidationError as error:
            form.add_error("role", error)
        else:
            messages.success(request, _("The role of %(user)s was changed.") % {"user": membership.user})
            return redirect("accounts:team")
    return render(request, "accounts/member_edit.html", {"form": form, "membership": membership})


@login_required
@require_POST
def member_deactivate(request, pk):
    membership = _managed_membership(request, pk)
    try:
        membership_deactivate(membership=membership, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("%(user)s no longer has access.") % {"user": membership.user})
    return redirect("accounts:team")


def accept_invitation(request, token):
    try:
        invitation = invitation_from_token(token)
    except ValidationError as error:
        return render(request, "accounts/invitation_invalid.html", {"errors": error.messages}, status=400)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                invitation=invitation, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            return render(request, "accounts/invitation_invalid.html", {"errors": error.messages}, status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to CSOL."))
        return redirect("portal:dashboard")
    return render(request, "accounts/accept_invitation.html", {"form": form, "invitation": invitation})
