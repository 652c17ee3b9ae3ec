from django.urls import path

from .views import media, media_desk, need_help, portal, staff

portal_patterns = [
    path("notices/", portal.notice_list, name="notice_list"),
    path("notices/<int:pk>/", portal.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/acknowledge/", portal.notice_acknowledge, name="notice_acknowledge"),
    path("notices/statements/<uuid:thread>/", portal.statement_detail, name="statement_detail"),
]

dashboard_patterns = [
    path("announcements/", staff.announcement_list, name="announcement_list"),
    path("announcements/new/", staff.announcement_new, name="announcement_new"),
    path("announcements/<int:pk>/", staff.announcement_detail, name="announcement_detail"),
    path("announcements/<int:pk>/progress/", staff.announcement_progress_partial, name="announcement_progress"),
    path("announcements/<int:pk>/edit/", staff.announcement_edit, name="announcement_edit"),
    path("announcements/<int:pk>/<slug:action>/", staff.announcement_action, name="announcement_action"),
    path("announcements/<int:pk>/need-help/<int:answer>/handled/", need_help.need_help_handled, name="need_help_handled"),
    path("media/", media.media_home, name="media"),
    path("media/statements/new/", media.statement_new, name="statement_new"),
    path("media/statements/<int:pk>/", media.statement_detail, name="statement_detail"),
    path("media/statements/<int:pk>/edit/", media.statement_edit, name="statement_edit"),
    path("media/statements/<int:pk>/<slug:action>/", media.statement_action, name="statement_action"),
    path("media/inquiries/<int:pk>/", media.inquiry_detail, name="inquiry_detail"),
    path("media/inquiries/<int:pk>/answer/", media.inquiry_answer, name="inquiry_answer"),
    path("media/inquiries/<int:pk>/decline/", media.inquiry_decline, name="inquiry_decline"),
    path("media/record/<slug:kind>/", media.media_record, name="media_record"),
    path("media/mentions/", media_desk.mention_list, name="mention_list"),
    path("media/inquiries/", media_desk.inquiry_list, name="inquiry_list"),
    path("media/stakeholders/", media_desk.stakeholder_list, name="stakeholder_list"),
    path("media/stakeholders/<int:pk>/", media_desk.stakeholder_detail, name="stakeholder_detail"),
    path("media/stakeholders/<int:pk>/contacts/", media_desk.stakeholder_contact_add, name="stakeholder_contact_add"),
]

public_patterns = [path("press/statements/<uuid:thread>/", media.press_statement, name="press_statement")]
