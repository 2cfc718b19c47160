"""Auth API (docs/api.md §6, §30): public flows, and a route group per role (§5) with the caller's
profile and sessions."""

from __future__ import annotations

import ipaddress

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny

from auth_app import selectors, services
from auth_app.exceptions import (
    AccountDeactivated,
    InvalidCredentials,
    InvalidOtp,
    InvalidRefreshToken,
    InvalidResetToken,
    InvalidRole,
    LastAdmin,
    OtpResendTooSoon,
    SessionNotFound,
    UserAlreadyExists,
    UserNotFound,
)
from auth_app.filters import DashboardFilterSet, UserFilterSet
from auth_app.models import RoleName
from auth_app.permissions import IsAdmin, IsCustomer, IsSeller
from auth_app.serializers import (
    AuthOutput,
    DashboardOutput,
    ForgotPasswordInput,
    LoginInput,
    MessageOutput,
    ProfileOutput,
    ProfileUpdateInput,
    RefreshTokenInput,
    RegisterInput,
    ResendOtpInput,
    ResetPasswordInput,
    SessionOutput,
    SessionsEndedOutput,
    TokenOutput,
    UserOutput,
    UserStatusInput,
    VerifyOtpInput,
    auth_payload,
    user_payload,
)
from natjoub.api.errors import RateLimited
from natjoub.api.views import ApiViewSet, no_body
from natjoub.ratelimit import client_ip

REGISTERED = "User registered successfully. Please verify your account with the OTP sent to your email."
RESET_SENT = "If the account exists, password reset instructions have been sent to its email"


def signing_client(request) -> services.Client:
    """The user agent and address a new session records (docs/api.md §30)."""
    address = client_ip(request)
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError:
        address = None
    return services.Client(user_agent=request.META.get("HTTP_USER_AGENT", ""), ip_address=address)


class PublicAuthViewSet(ApiViewSet):
    """Routes 7–13: no bearer authentication at all (the Authorization header is ignored)."""

    authentication_classes: list = []
    permission_map = {"*": [AllowAny]}
    error_map = {
        "register": (InvalidRole, UserAlreadyExists),
        "login": (InvalidCredentials, AccountDeactivated, RateLimited),
        "verify_otp": (UserNotFound, InvalidOtp, RateLimited),
        "resend_otp": (UserNotFound, OtpResendTooSoon),
        "reset_password": (InvalidResetToken,),
        "refresh_token": (InvalidRefreshToken, AccountDeactivated),
    }

    @extend_schema(tags=["auth"], request=RegisterInput, responses={201: AuthOutput}, auth=[])
    @action(detail=False, methods=["post"], url_path="register")
    def register(self, request):
        user, tokens = services.user_register(**self.validated(RegisterInput), client=signing_client(request))
        return self.respond(auth_payload(user, tokens), REGISTERED, status=201)

    @extend_schema(tags=["auth"], request=LoginInput, responses={200: AuthOutput}, auth=[])
    @action(detail=False, methods=["post"], url_path="login")
    def login(self, request):
        user, tokens = services.user_login(**self.validated(LoginInput), client=signing_client(request))
        return self.respond(auth_payload(user, tokens), "Login successful")

    @extend_schema(tags=["auth"], request=VerifyOtpInput, responses={200: MessageOutput}, auth=[])
    @action(detail=False, methods=["post"], url_path="verify-otp")
    def verify_otp(self, request):
        services.otp_verify(**self.validated(VerifyOtpInput))
        return self.respond({"message": "Account verified successfully"}, "OTP verified successfully")

    @extend_schema(tags=["auth"], request=ResendOtpInput, responses={200: MessageOutput}, auth=[])
    @action(detail=False, methods=["post"], url_path="resend-otp")
    def resend_otp(self, request):
        services.otp_resend(**self.validated(ResendOtpInput))
        return self.respond({"message": "OTP sent successfully"}, "OTP sent successfully")

    @extend_schema(tags=["auth"], request=ForgotPasswordInput, responses={200: MessageOutput}, auth=[])
    @action(detail=False, methods=["post"], url_path="forgot-password")
    def forgot_password(self, request):
        services.password_reset_request(**self.validated(ForgotPasswordInput))
        return self.respond({"message": RESET_SENT}, "Password reset email sent")

    @extend_schema(tags=["auth"], request=ResetPasswordInput, responses={200: MessageOutput}, auth=[])
    @action(detail=False, methods=["post"], url_path="reset-password")
    def reset_password(self, request):
        data = self.validated(ResetPasswordInput)
        services.password_reset_confirm(token=data["token"], new_password=data["new_password"])
        return self.respond({"message": "Password reset successful"}, "Password has been reset successfully")

    @extend_schema(tags=["auth"], request=RefreshTokenInput, responses={200: TokenOutput}, auth=[])
    @action(detail=False, methods=["post"], url_path="refresh-token")
    def refresh_token(self, request):
        tokens = services.token_refresh(**self.validated(RefreshTokenInput), client=signing_client(request))
        return self.respond(tokens, "Token refreshed successfully")


class RoleAuthViewSet(ApiViewSet):
    """Profile, sessions and logout, shared by the three role groups (each subclass sets its
    permission)."""

    error_map = {"update_profile": (UserAlreadyExists,), "sessions_terminate": (SessionNotFound,)}

    @extend_schema(responses={200: ProfileOutput})
    @action(detail=False, methods=["get"], url_path="profile")
    def profile(self, request):
        return self.respond({"user": user_payload(request.user)}, "Profile retrieved successfully")

    @extend_schema(request=ProfileUpdateInput, responses={200: ProfileOutput})
    @profile.mapping.put
    def update_profile(self, request):
        user = services.profile_update(user_id=request.user.pk, data=self.validated(ProfileUpdateInput))
        return self.respond({"user": user_payload(user)}, "Profile updated successfully")

    @extend_schema(request=None, responses={200: MessageOutput})
    @action(detail=False, methods=["post"], url_path="logout")
    @no_body
    def logout(self, request):
        services.session_logout(user=request.user, access_token=request.auth)
        return self.respond({"message": "Logged out successfully"}, "Logout successful")

    # -- sessions (§30). Method names order the routes: revoke-others before sessions/{id}. --------
    @extend_schema(responses={200: SessionOutput(many=True)})
    @action(detail=False, methods=["get"], url_path="sessions")
    def sessions(self, request):
        rows = selectors.session_list(
            **self.list_filters(), user_id=request.user.pk, current_session_id=request.auth.get("sid")
        )
        return self.list_response(rows, SessionOutput, "Sessions retrieved successfully")

    @extend_schema(request=None, responses={200: SessionsEndedOutput})
    @action(detail=False, methods=["post"], url_path="sessions/revoke-others")
    @no_body
    def sessions_revoke_others(self, request):
        ended = services.sessions_revoke_others(user_id=request.user.pk, current_session_id=request.auth.get("sid"))
        return self.respond({"ended": ended}, "Other sessions ended")

    @extend_schema(responses={200: OpenApiResponse(description="Session ended; `data` is null")})
    @action(detail=False, methods=["delete"], url_path=r"sessions/(?P<pk>[^/]+)")
    def sessions_terminate(self, request, pk):
        services.session_end(user_id=request.user.pk, session_id=pk)
        return self.respond(None, "Session ended")


@extend_schema(tags=["admin auth"])
class AdminAuthViewSet(RoleAuthViewSet):
    permission_map = {"*": [IsAdmin]}


@extend_schema(tags=["seller auth"])
class SellerAuthViewSet(RoleAuthViewSet):
    permission_map = {"*": [IsSeller]}

    @extend_schema(parameters=DashboardFilterSet.schema_parameters(), responses={200: DashboardOutput})
    @action(detail=False, methods=["get"], url_path="dashboard")
    def dashboard(self, request):
        days = DashboardFilterSet(request.query_params).validate().arguments()["days"]
        figures = selectors.seller_dashboard(user_id=request.user.pk, role=request.auth.get("role"), days=days)
        return self.respond(figures, "Dashboard retrieved successfully")


@extend_schema(tags=["customer auth"])
class CustomerAuthViewSet(RoleAuthViewSet):
    permission_map = {"*": [IsCustomer]}
    # GET customer/auth/bookings is the order service's (docs/api.md §37.4, order_app/urls.py).


@extend_schema(tags=["admin auth"])
class AdminUserViewSet(ApiViewSet):
    """Routes 15–17: the admin's user management."""

    permission_map = {"*": [IsAdmin]}
    error_map = {"list": (InvalidRole,), "status": (UserNotFound, LastAdmin), "destroy": (UserNotFound, LastAdmin)}
    filterset_classes = {"list": UserFilterSet}

    @extend_schema(responses={200: UserOutput(many=True)})
    def list(self, request):
        filters = self.list_filters()  # query validation comes before the role filter's own error
        role = filters.pop("role")  # an unknown role (NUL included) is INVALID_ROLE, not a validation error
        if role is not None and role.lower() not in RoleName.values:
            raise InvalidRole(role=role)
        users = selectors.user_list(**filters, role=role.lower() if role else None)
        return self.list_response(users, UserOutput, "Users retrieved successfully")

    @extend_schema(request=UserStatusInput, responses={200: ProfileOutput})
    @action(detail=True, methods=["put"], url_path="status")
    def status(self, request, pk):
        data = self.validated(UserStatusInput)
        user = services.user_set_status(user_id=pk, is_active=data["is_active"], actor_id=request.user.pk)
        return self.respond({"user": user_payload(user)}, "User status updated successfully")

    @extend_schema(responses={200: MessageOutput})
    def destroy(self, request, pk):
        services.user_delete(user_id=pk, actor_id=request.user.pk)
        return self.respond({"message": "User deleted successfully"}, "User deleted successfully")
