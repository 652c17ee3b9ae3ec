"""The early-warning rules' default thresholds (also frozen in migration 0004, which seeds them)."""

KEYWORDS = "\n".join([
    "曝光", "媒体", "记者", "律师", "律师函", "起诉", "法院", "投诉到12345", "12345", "市长热线", "上访", "信访", "联名",
    "维权", "拉横幅", "横幅", "退房", "不交物业费", "拒交物业费", "罢免", "换物业", "微博", "抖音", "报警",
])

RULES = {
    # at least 5 of one category in one building (or estate) in 6 hours, and 3× that place's usual 6 hours
    "spike": {"min_count": 5, "window_hours": 6, "baseline_days": 90, "ratio": 3.0},
    "words": {"window_hours": 24, "keywords": KEYWORDS},
    "media_reach": {"reach_threshold": 10000, "window_hours": 72},
    # an owner with 3 or more open complaints at once
    "repeat_owner": {"min_count": 3},
    # a complaint reopened twice (counted over 30 days)
    "reopened": {"min_count": 2, "window_hours": 720},
    # 5 SLA breaches in one estate within 24 hours
    "sla_pileup": {"min_count": 5, "window_hours": 24},
}
