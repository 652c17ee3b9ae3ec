"""What /api/docs/ says before the operations: the API's description and its tags (areas).

Read by SPECTACULAR_SETTINGS (config/settings/base.py). Bilingual, English first: the docs are for
developers, and the property company's own developers may read Chinese more easily. Every
operation carries one of these tags and a summary (tests/config/test_api_docs.py): a new area adds
its tag here, with a description, in the order it should appear.
"""

DESCRIPTION = """\
The API of Lighthouse, the property company's crisis and public-relations desk: the registry
(estates, buildings, units, residents), complaint tickets, announcements to residents, public
statements and the media desk. Pages and the API share the same rules: the same services make
every change, the same permissions decide who may make it.

**Signing in.** Scripts and apps send `POST /api/v1/auth/token/` with `username` (a staff
username, an e-mail address or an owner's mobile number) and `password`, and then the header
`Authorization: Token <token>` on every request. A token lives 30 days (`API_TOKEN_MAX_AGE_DAYS`)
and dies when the password changes or the account is deactivated; ask for a new one then. A
signed-in browser session works too (send its CSRF token on writes). Token requests are limited
per address and per account, and sign-in locks an account on an address after repeated failures.

**Scope.** Staff see their estates' records (company-wide roles see every estate); owners see only
their own homes, complaints and notices. A record outside your scope does not exist for you: it
answers **404**, never 403, so ids cannot be probed. A role counts only at the estate where it is
held: a manager of one estate and service staff of another may approve in the first only. Status
changes are explicit actions (`POST …/{id}/approve/`, `…/transition/`); `allowed_actions` on a
record, where present, lists what the caller may do now.

**Errors.** Every error has one JSON shape: `{"detail": "…", "code": "…"}`, plus `errors` (field
name → messages; nested fields by path such as `channels.1`) for invalid input. `detail` is in the
request's language (`Accept-Language: zh-hans` or `en`); `code` is stable (`invalid`,
`not_authenticated`, `permission_denied`, `not_found`, `throttled`, `illegal_transition`, …). A
refused request changes nothing. Unknown fields in a request body are refused (400), not ignored.

**Pages.** Lists are keyset (cursor) pages in a stable order: follow the `next` and `previous`
links; `page_size` is 1–200 (50 by default). A cursor you did not get from us is a 400.

**Limits.** Signed-in callers may make 1,200 requests a minute, anonymous ones 60
(`API_USER_RATE`, `API_ANON_RATE`); over the limit the answer is **429** with `Retry-After`
(seconds). Some actions have their own limits: submitting complaints (10 an hour per person,
`COMPLAINT_RATE_USER`) and adding messages to one (`COMPLAINT_MESSAGE_RATE`).

**Languages.** Texts in answers and in this schema follow `Accept-Language`; `/api/schema/?lang=en`
gives the schema in English.

---

灯塔物业危机与公共关系平台的接口：基础资料（小区、楼栋、房屋、住户）、投诉工单、公告通知、对外声明与媒体工作台。
页面与接口遵循同一套规则：所有变更经过同一组服务，由同一组权限判断。

**登录**：调用 `POST /api/v1/auth/token/`（`username` 为员工用户名、邮箱或业主手机号，外加 `password`）取得令牌，
此后每个请求带 `Authorization: Token <令牌>`。令牌有效期 30 天，修改密码或停用账号后立即失效。也可使用已登录的浏览器会话（写操作需带 CSRF 令牌）。

**数据范围**：员工只能看到所负责小区的数据（全公司角色可看全部小区），业主只能看到自己的房屋、投诉与通知。
范围外的记录一律返回 **404**。角色只在其所属小区有效。状态变更均为显式操作（如 `…/approve/`、`…/transition/`）。

**错误**：统一为 `{"detail", "code"}`，字段错误另有 `errors`（字段 → 消息列表）；`detail` 随请求语言，`code` 固定不变。
被拒绝的请求不会改变任何数据；请求体中的未知字段返回 400。

**分页**：列表按游标分页，沿 `next`/`previous` 链接翻页；`page_size` 取 1–200（默认 50）。

**频率限制**：已登录每分钟 1200 次，匿名每分钟 60 次；超出返回 **429** 及 `Retry-After`。

**语言**：回答与本文档随 `Accept-Language`；`/api/schema/?lang=en` 为英文版。
"""

# In the order the docs show them. Each operation's tag is set on its view (extend_schema).
TAGS = [
    {"name": "auth", "description": "Sign in: get an API token. · 登录：获取接口令牌。"},
    {"name": "estates", "description": "The registry: estates, buildings and units, and importing units or residents "
                                       "from a spreadsheet. · 基础资料：小区、楼栋、房屋，以及从表格导入房屋或住户。"},
    {"name": "residents", "description": "Residents (owners, tenants, family), their homes and their invitations to the "
                                         "owner portal. · 住户（业主、租户、家属）、其房屋与业主端邀请。"},
    {"name": "complaints", "description": "Complaint tickets: owners submit, follow and rate them; staff triage, assign, "
                                          "reply and move them through their statuses. · 投诉工单：业主提交、跟进、评价；"
                                          "员工分派、回复并推进状态。"},
    {"name": "arrears", "description": "Fee arrears: the service-fee ledger (import, payments, each unit's account), arrears "
                                       "cases worked along their cause's ladder, relief and instalment requests, and the collection "
                                       "rate. Owners see only their own homes. · 欠费催缴：物业费台账（导入、缴费、房屋账户）、按原因分步处理的"
                                       "欠费案件、减免与分期申请、收缴率。业主只能看到自己的房屋。"},
    {"name": "incidents", "description": "Crisis incidents from first warning to review: escalating complaints and "
                                         "media mentions, the crisis team and its tasks, statements and notices, the review "
                                         "and its improvements; emergency plans and drills. · 危机事件：从预警、响应、"
                                         "披露到复盘——升级投诉与舆情、危机小组与任务、声明与通知、复盘与整改；应急预案与演练。"},
    {"name": "announcements", "description": "Notices to residents: draft, approve, send or schedule, follow the delivery, "
                                             "chase those who have not answered, and look after residents who need help. · "
                                             "公告通知：起草、审批、发送或定时发送、查看送达、催办未回执住户、处理求助。"},
    {"name": "statements", "description": "Public statements: draft, review, publish, and later versions. · "
                                          "对外声明：起草、审核、发布及后续版本。"},
    {"name": "media", "description": "The media desk: mentions of the company in the media and journalists' "
                                     "inquiries with their answers. · 媒体工作台：媒体报道与记者问询及回复。"},
    {"name": "stakeholders", "description": "People and bodies the company keeps in touch with (owners' committee, "
                                            "street office, media contacts) and the log of contacts. · "
                                            "相关方（业委会、街道办、媒体联系人等）及联络记录。"},
    {"name": "inbox", "description": "The signed-in staff member's own to-do items and notifications. · "
                                     "当前员工自己的待办与通知。"},
    {"name": "gateway", "description": "Callbacks from the SMS and push gateway (delivery receipts); authenticated "
                                       "with the gateway's key, not a person's token. · 短信/推送网关回调（送达回执），"
                                       "以网关密钥认证。"},
]
