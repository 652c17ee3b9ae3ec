"""The categories every company starts with; managers edit them in the admin."""

from django.db import migrations

CATEGORIES = [
    ("noise", "噪音", "Noise", 3), ("parking", "停车", "Parking", 3), ("leak", "漏水", "Leaks", 7),
    ("renovation", "装修及装修垃圾", "Renovation and its waste", 3), ("cleaning", "清洁卫生", "Cleaning", 2),
    ("security", "安全秩序", "Security", 2), ("repair", "设施维修", "Facility repair", 5), ("fees", "收费", "Fees", 3),
    ("attitude", "服务态度", "Staff attitude", 2), ("neighbour", "邻里纠纷", "Neighbour dispute", 7),
    ("greenery", "绿化", "Greenery", 5), ("pets", "宠物", "Pets", 3), ("other", "其他", "Other", 3),
]


def add(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    for sort, (code, name, name_en, days) in enumerate(CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "follow_up_days": days, "sort": sort * 10})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
