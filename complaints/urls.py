from django.urls import path

from .views import portal, staff

portal_patterns = [
    path("complaints/", portal.complaint_list, name="complaint_list"),
    path("complaints/new/", portal.complaint_new, name="complaint_new"),
    path("complaints/<str:number>/", portal.complaint_detail, name="complaint_detail"),
    path("complaints/<str:number>/message/", portal.complaint_message, name="complaint_message"),
    path("complaints/<str:number>/rate/", portal.complaint_rate_view, name="complaint_rate"),
    path("complaints/<str:number>/reopen/", portal.complaint_reopen, name="complaint_reopen"),
    path("complaints/<str:number>/withdraw/", portal.complaint_withdraw, name="complaint_withdraw"),
]

dashboard_patterns = [
    path("complaints/", staff.queue, name="complaint_queue"),
    path("complaints/new/", staff.complaint_new, name="complaint_new"),
    path("complaints/<str:number>/", staff.detail, name="complaint_detail"),
    path("complaints/<str:number>/transition/", staff.transition, name="complaint_transition"),
    path("complaints/<str:number>/assign/", staff.assign, name="complaint_assign"),
    path("complaints/<str:number>/triage/", staff.triage, name="complaint_triage"),
    path("complaints/<str:number>/reply/", staff.reply, name="complaint_reply"),
    path("complaints/<str:number>/note/", staff.note, name="complaint_note"),
    path("complaints/<str:number>/visit/", staff.visit, name="complaint_visit"),
    path("complaints/<str:number>/link/", staff.link, name="complaint_link"),
    path("complaints/<str:number>/follow-up/", staff.follow_up, name="complaint_follow_up"),
]

photo_patterns = [path("photos/complaints/<int:pk>/", staff.photo, name="complaint_photo")]
