"""A few canned replies (常用回复) to start with; the company edits or retires them in the admin."""

from django.db import migrations

DEFAULTS = [
    ("已受理，安排上门", "{姓名}您好，您的工单{工单号}已受理，我们会尽快安排师傅上门查看，上门前会先电话联系您。", 10),
    ("请补充照片", "{姓名}您好，为尽快处理工单{工单号}，请在工单中补充现场照片，谢谢配合。", 20),
    ("已处理完毕", "{姓名}您好，工单{工单号}反映的问题已处理完毕，如仍有问题请随时告诉我们。", 30),
]


def add_defaults(apps, schema_editor):
    CannedReply = apps.get_model("complaints", "CannedReply")
    if not CannedReply.objects.exists():
        CannedReply.objects.bulk_create([CannedReply(title=t, body=b, order=o) for t, b, o in DEFAULTS])


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0013_canned_replies"),
    ]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
