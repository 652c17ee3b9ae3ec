from django.contrib.auth import views as auth_views
from django.urls import path

from .views import accounts, dashboard, units

accounts_urls = [
    path("login/", accounts.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", accounts.password_reset, name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", accounts.PasswordResetConfirm.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("activate/<str:token>/", accounts.activate, name="activate"),
]

dashboard_patterns = [
    path("estates/", dashboard.estate_list, name="estate_list"),
    path("estates/<int:pk>/", dashboard.estate_detail, name="estate_detail"),
    path("buildings/<int:pk>/", units.building_detail, name="building_detail"),
    path("units/<int:pk>/", units.unit_detail, name="unit_detail"),
    path("units/<int:pk>/payments/", units.unit_payment, name="unit_payment"),
    path("residents/", dashboard.resident_list, name="resident_list"),
    path("residents/<int:pk>/", dashboard.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/invite/", dashboard.resident_invite_view, name="resident_invite"),
    path("residents/<int:pk>/mobile/", dashboard.resident_mobile, name="resident_mobile"),
    path("import/", dashboard.import_upload, name="import"),
    path("import/template/<str:kind>.csv", dashboard.import_template, name="import_template"),
]
