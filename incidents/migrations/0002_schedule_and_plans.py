"""Run the incident deadline sweep every minute, and seed the company-wide emergency plans for
the common incident types (editable in the admin and on the plans page; estates may override)."""

from datetime import timedelta

from django.db import migrations

TASK = "incidents.tasks.incidents_deadline_sweep"

M = lambda minutes: timedelta(minutes=minutes)  # noqa: E731

PLANS = {
    "gas": ("燃气泄漏应急预案", "发现或接报燃气泄漏：先断气、疏散、禁明火，再通知燃气公司并如实告知业主。", [
        ("关闭燃气总阀并设立警戒区", "onsite_lead", M(10)),
        ("疏散受影响楼栋住户，禁止使用明火和电器开关", "onsite_lead", M(15)),
        ("通知燃气公司抢修（并视情况拨打119）", "commander", M(15)),
        ("向受影响业主发布紧急通知（平安/求助回执）", "spokesperson", M(20)),
        ("逐户确认求助业主的安全", "onsite_lead", M(45)),
        ("通报街道办和业委会", "liaison_gov", M(60)),
        ("记录处置过程与时间节点", "scribe", M(60)),
    ]),
    "fire": ("火灾应急预案", "报警、疏散、初期扑救、引导消防车，事后如实公开。", [
        ("拨打119并报告火点位置", "commander", M(3)),
        ("组织疏散并清点人员", "onsite_lead", M(10)),
        ("切断着火区域电源、启动消防设施", "onsite_lead", M(10)),
        ("在小区入口引导消防车", "onsite_lead", M(10)),
        ("向受影响业主发布紧急通知", "spokesperson", M(30)),
        ("通报街道办、业委会", "liaison_gov", M(60)),
        ("记录处置过程", "scribe", M(60)),
    ]),
    "flood": ("水管爆裂/水浸应急预案", "关阀、排水、保护配电设施与车辆，通知受影响业主。", [
        ("关闭相关供水阀门", "onsite_lead", M(15)),
        ("切断水浸区域电源，设置警示", "onsite_lead", M(20)),
        ("调集水泵排水，转移受威胁车辆", "onsite_lead", M(45)),
        ("通知受影响业主（挪车、停水时间）", "spokesperson", M(30)),
        ("登记受损财物并拍照留证", "scribe", M(120)),
        ("通报业委会", "liaison_committee", M(120)),
    ]),
    "lift": ("电梯困人应急预案", "安抚被困人员，维保单位30分钟内到场，全程记录。", [
        ("通过对讲安抚被困人员，确认人数和身体状况", "onsite_lead", M(5)),
        ("通知电梯维保单位到场", "commander", M(5)),
        ("维保人员到场解救", "onsite_lead", M(30)),
        ("如有人员不适，拨打120", "onsite_lead", M(30)),
        ("向该楼栋业主说明情况和停梯时间", "spokesperson", M(60)),
        ("记录困人时长与处置过程", "scribe", M(60)),
    ]),
    "falling_object": ("高空坠物应急预案", "封闭危险区域、救治伤者、保全证据、排查同类隐患。", [
        ("设置警戒区，疏导行人车辆", "onsite_lead", M(10)),
        ("如有人员受伤，拨打120", "onsite_lead", M(5)),
        ("拍照留证，保存监控录像", "scribe", M(30)),
        ("报警（110）并配合调查", "commander", M(30)),
        ("排查同一立面的外墙和阳台隐患", "onsite_lead", M(240)),
        ("告知受损业主如何申请事故证明", "liaison_residents", M(1440)),
    ]),
}


def install(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(name="Incident disclosure and task deadlines", defaults={"task": TASK, "interval": every_minute})
    EmergencyPlan = apps.get_model("incidents", "EmergencyPlan")
    PlanStep = apps.get_model("incidents", "PlanStep")
    for kind, (title, summary, steps) in PLANS.items():
        plan, created = EmergencyPlan.objects.get_or_create(kind=kind, estate=None, defaults={"title": title, "summary": summary})
        if created:
            PlanStep.objects.bulk_create([PlanStep(plan=plan, sort=i * 10, title=t, role=r, within=w) for i, (t, r, w) in enumerate(steps, 1)])


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(install, remove)]
