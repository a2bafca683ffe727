"""Plans over HTTP: each ward, commune and the city keeps its own campaigns, choosing the
indicators it follows with a target or none; who may keep which plan; CSRF."""

from datetime import date
from html.parser import HTMLParser

import pytest
from conftest import page_text
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import GROUPS, Campaign, CampaignTarget, TargetChange, Unit, User
from lms.models.campaign import DEFAULT_TARGETS, INDICATORS


class FormFields(HTMLParser):
    """What a browser sends for the post form whose action is `action`: its inputs' values
    (a checkbox only when ticked) and the selected options."""

    def __init__(self, action):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action and a.get("method") == "post"
        elif self.inside and tag == "input" and "name" in a:
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields[a["name"]] = a.get("value", "y" if a.get("type") == "checkbox" else "")
        elif self.inside and tag == "select":
            self._select = a["name"]
        elif self.inside and tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(html, action):
    parser = FormFields(action)
    parser.feed(html)
    assert parser.fields, f"no form posting to {action}"
    return parser.fields


def plan_data(name, starts_on, ends_on, **indicators):
    """A plan form as posted: `group=percent` follows the group (None: without a target);
    `activities=(percent, minimum)`."""
    data = {"name": name, "starts_on": starts_on, "ends_on": ends_on}
    for group, value in indicators.items():
        percent, minimum = value if group == "activities" else (value, None)
        data[f"{group}-follow"] = "y"
        data[f"{group}-percent"] = "" if percent is None else str(percent)
        if minimum is not None:
            data[f"{group}-minimum"] = str(minimum)
    return data


def targets_of(campaign_id):
    return {t.group: (t.percent, t.minimum) for t in db.session.scalars(
        select(CampaignTarget).where(CampaignTarget.campaign_id == campaign_id))}


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


class City:
    """Thành phố Hải Phòng with Phường Hồng Bàng (a school, its principal, its admin and a
    plan of today's five groups) and Xã An Lão (a school, its admin, no plan yet); another
    city's ward outside the city admin's scope."""


@pytest.fixture
def city(app, factory):
    c = City()
    c.city = Unit(code="HP", name="Thành phố Hải Phòng", kind="city")
    c.elsewhere = Unit(code="HN", name="Thành phố Khác", kind="city")
    db.session.add_all([c.city, c.elsewhere])
    db.session.flush()
    c.ward = factory.unit("P-HB", "Phường Hồng Bàng")
    c.ward.parent_id = c.city.id
    c.commune = Unit(code="X-AL", name="Xã An Lão", kind="commune", parent_id=c.city.id)
    c.far = Unit(code="P-XA", name="Phường Xa", kind="ward", parent_id=c.elsewhere.id)
    db.session.add_all([c.commune, c.far])
    db.session.flush()
    c.school = factory.school(code="THHB", level="tieu-hoc")
    c.principal = factory.user("school_admin", username="hieutruong", school=c.school)
    for login, unit, role in (("phuong", c.ward, "ward_admin"), ("xa", c.commune, "ward_admin"),
                              ("thanhpho", c.city, "city_admin"), ("phuongxa", c.far, "ward_admin")):
        factory.user(role, username=login).unit_id = unit.id
    c.campaign = Campaign(unit_id=c.ward.id, name="Bình dân học vụ số 2025-2026",
                          starts_on=date(2025, 9, 5), ends_on=date(2026, 5, 31),
                          targets=[CampaignTarget(group=g, percent=p)
                                   for g, p in DEFAULT_TARGETS.items()])
    db.session.add(c.campaign)
    factory.commit()
    return c


def signed_in(make_browser, login):
    browser = make_browser()
    assert browser.login(login).status_code == 302
    return browser


# --- creating plans ---------------------------------------------------------------------------

def test_a_commune_plan_with_officials_and_activities(city, make_browser):
    commune = signed_in(make_browser, "xa")
    page = commune.get("/dashboard/plan")
    assert page.status_code == 200
    text = page_text(page.get_data(as_text=True))
    assert "Kế hoạch của Xã An Lão" in text and "Chưa có kế hoạch nào." in text
    form = commune.get(f"/dashboard/plan/new?unit={city.commune.id}").get_data(as_text=True)
    assert "Cán bộ, công chức, người lao động của phường, xã" in page_text(form)
    # The commune's plan (1866/KH-SGDĐT): officials "trên 90%". Targets are whole percentages
    # met when coverage reaches them, so "above 90%" is stored as 91% (90.5% is not yet met).
    response = commune.post(f"/dashboard/campaign?unit={city.commune.id}", plan_data(
        "Chuyển đổi số năm 2026", "2026-01-01", "2026-12-31",
        officials=91, managers_teachers=100, primary=100, lower_secondary=100, households=70,
        activities=(100, 1)))
    assert response.status_code == 302 and response.location == "/dashboard/"
    campaign = db.session.scalar(select(Campaign).where(Campaign.unit_id == city.commune.id))
    assert (campaign.name, campaign.starts_on, campaign.ends_on) == (
        "Chuyển đổi số năm 2026", date(2026, 1, 1), date(2026, 12, 31))
    assert campaign.indicators == ("primary", "lower_secondary", "managers_teachers", "officials",
                                   "households", "activities")
    assert targets_of(campaign.id) == {
        "primary": (100, None), "lower_secondary": (100, None), "managers_teachers": (100, None),
        "officials": (91, None), "households": (70, None), "activities": (100, 1)}
    assert count(TargetChange) == 0  # a new plan changes nothing
    text = page_text(commune.get("/dashboard/plan").get_data(as_text=True))
    assert "Đã tạo kế hoạch." in text
    assert "Kế hoạch: Chuyển đổi số năm 2026 01/01/2026 – 31/12/2026" in text
    assert "Cán bộ, công chức, người lao động của phường, xã: chỉ tiêu 91%" in text
    assert ("Hoạt động tuyên truyền tại các trường (ít nhất 1 hoạt động mỗi trường): chỉ tiêu "
            "100% số trường") in text
    assert "Phụ huynh" not in text and "Cán bộ, giáo viên, nhân viên" not in text
    # the ward's plan is untouched
    assert targets_of(city.campaign.id) == {g: (p, None) for g, p in DEFAULT_TARGETS.items()}


def test_a_ward_plan_tracks_primary_pupils_without_a_target(city, make_browser):
    ward = signed_in(make_browser, "phuong")
    response = ward.post("/dashboard/campaign", plan_data(
        "Bình dân học vụ số 2026-2027", "2026-09-05", "2027-05-31",
        primary=None, lower_secondary=100, teachers=80, parents=80, activities=(None, 2)))
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign).where(Campaign.unit_id == city.ward.id)
                                 .order_by(Campaign.id.desc()))
    assert campaign.id != city.campaign.id
    assert campaign.indicators == ("primary", "lower_secondary", "teachers", "parents",
                                   "activities")
    assert campaign.target("primary") is None and "primary" in campaign.indicators
    assert (campaign.target("activities"), campaign.minimum("activities")) == (None, 2)
    text = page_text(ward.get("/dashboard/plan").get_data(as_text=True))
    assert "Học sinh Tiểu học: theo dõi, không đặt chỉ tiêu" in text
    assert "(ít nhất 2 hoạt động mỗi trường): theo dõi, không đặt chỉ tiêu" in text
    assert "Học sinh THCS: chỉ tiêu 100%" in text


def test_a_new_campaign_follows_the_five_default_groups(app, courses, factory, make_browser):
    """A single ward installed alone: the admin has no unit, the form starts at today's five
    groups and default targets, and posting it as it comes keeps today's campaign."""
    factory.school()
    factory.user("ward_admin", username="phuong")
    factory.commit()
    admin = signed_in(make_browser, "phuong")
    html = admin.get("/dashboard/").get_data(as_text=True)
    sent = form_fields(html, "/dashboard/campaign")
    assert {k for k in sent if k.endswith("-follow")} == {f"{g}-follow" for g in GROUPS}
    assert {g: sent[f"{g}-percent"] for g in GROUPS} == {
        g: str(p) for g, p in DEFAULT_TARGETS.items()}
    assert sent["activities-minimum"] == "1"
    sent.update(name="Bình dân học vụ số", starts_on="2026-10-01", ends_on="2026-11-29")
    assert admin.post("/dashboard/campaign", sent).status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert campaign.unit_id == factory.unit().id
    assert campaign.indicators == GROUPS
    assert {g: campaign.target(g) for g in INDICATORS} == {
        **dict.fromkeys(INDICATORS), **DEFAULT_TARGETS}


def test_a_plan_follows_at_least_one_indicator_with_sane_dates(city, make_browser):
    ward = signed_in(make_browser, "phuong")
    empty = ward.post("/dashboard/campaign", {"name": "Đợt 2", "starts_on": "2026-09-01",
                                              "ends_on": "2027-06-30"})
    assert empty.status_code == 400
    text = page_text(empty.get_data(as_text=True))
    assert "Kế hoạch phải theo dõi ít nhất một chỉ tiêu." in text
    assert "Xem lại các ô báo lỗi bên dưới: chưa có gì được lưu." in text
    backwards = ward.post("/dashboard/campaign", plan_data("Đợt 2", "2027-06-30", "2026-09-01",
                                                           primary=100))
    assert backwards.status_code == 400
    assert "Ngày kết thúc phải sau ngày bắt đầu." in page_text(backwards.get_data(as_text=True))
    too_high = ward.post("/dashboard/campaign", plan_data("Đợt 2", "2026-09-01", "2027-06-30",
                                                          primary=120))
    assert too_high.status_code == 400
    assert "Chỉ tiêu là số phần trăm nguyên từ 0 đến 100." in page_text(
        too_high.get_data(as_text=True))
    no_minimum = ward.post("/dashboard/campaign", plan_data("Đợt 2", "2026-09-01", "2027-06-30",
                                                            activities=(100, None)))
    assert no_minimum.status_code == 400
    assert "Nhập số hoạt động tối thiểu của mỗi trường." in page_text(
        no_minimum.get_data(as_text=True))
    assert count(Campaign) == 1


# --- editing a plan ---------------------------------------------------------------------------

def test_editing_a_plan_records_each_target_change(city, make_browser):
    ward = signed_in(make_browser, "phuong")
    url = f"/dashboard/plans/{city.campaign.id}"
    sent = form_fields(ward.get(url).get_data(as_text=True), url)
    assert sent["name"] == city.campaign.name and sent["starts_on"] == "2025-09-05"
    assert {k for k in sent if k.endswith("-follow")} == {f"{g}-follow" for g in GROUPS}
    assert sent["households-percent"] == "70" and sent["officials-percent"] == ""
    # primary: tracked without a target; households 70 -> 65; parents no longer followed;
    # officials followed at 90.
    del sent["parents-follow"]
    sent.update({"primary-percent": "", "households-percent": "65", "officials-follow": "y",
                 "officials-percent": "90"})
    response = ward.post(url, sent)
    assert response.status_code == 302 and response.location == "/dashboard/"
    db.session.expire_all()
    assert targets_of(city.campaign.id) == {
        "primary": (None, None), "lower_secondary": (100, None), "teachers": (80, None),
        "officials": (90, None), "households": (65, None)}
    admin = db.session.scalar(select(User.id).where(User.username == "phuong"))
    changes = db.session.scalars(select(TargetChange).order_by(TargetChange.group)).all()
    assert [(c.group, c.old_percent, c.new_percent, c.changed_by_id, c.campaign_id)
            for c in changes] == [("households", 70, 65, admin, city.campaign.id),
                                  ("officials", None, 90, admin, city.campaign.id),
                                  ("parents", 80, None, admin, city.campaign.id),
                                  ("primary", 100, None, admin, city.campaign.id)]
    text = page_text(ward.get("/dashboard/plan").get_data(as_text=True))
    assert "Đã lưu chỉ tiêu." in text
    assert "Hộ gia đình: 70% → 65%" in text
    assert "Học sinh Tiểu học: 100% → không chỉ tiêu" in text
    assert "Phụ huynh: 80% → không chỉ tiêu" in text
    # A form that breaks a rule changes nothing.
    sent["households-percent"] = "101"
    assert ward.post(url, sent).status_code == 400
    db.session.expire_all()
    assert db.session.get(Campaign, city.campaign.id).target("households") == 65
    assert count(TargetChange) == 4


def test_a_campaign_without_chosen_indicators_edits_from_the_defaults(city, make_browser):
    """A campaign stored before plans chose indicators has no target rows: it follows the
    five groups at the default targets, and the first edit records changes from those."""
    db.session.execute(CampaignTarget.__table__.delete())
    db.session.commit()
    ward = signed_in(make_browser, "phuong")
    url = f"/dashboard/plans/{city.campaign.id}"
    sent = form_fields(ward.get(url).get_data(as_text=True), url)
    assert {g: sent[f"{g}-percent"] for g in GROUPS} == {
        g: str(p) for g, p in DEFAULT_TARGETS.items()}
    sent["teachers-percent"] = "85"
    assert ward.post(url, sent).status_code == 302
    assert targets_of(city.campaign.id) == {
        **{g: (p, None) for g, p in DEFAULT_TARGETS.items()}, "teachers": (85, None)}
    assert [(c.group, c.old_percent, c.new_percent)
            for c in db.session.scalars(select(TargetChange))] == [("teachers", 80, 85)]


# --- who keeps which plan ---------------------------------------------------------------------

def test_a_unit_admin_keeps_only_their_own_units_plans(city, make_browser):
    commune = signed_in(make_browser, "xa")
    edit = f"/dashboard/plans/{city.campaign.id}"
    sent = plan_data("Của xã", "2026-01-01", "2026-12-31", primary=1)
    assert commune.get(edit).status_code == 403
    assert commune.post(edit, sent).status_code == 403
    for url in (f"/dashboard/plan?unit={city.ward.id}", f"/dashboard/plan/new?unit={city.ward.id}",
                f"/dashboard/plan?unit={city.city.id}"):
        assert commune.get(url).status_code == 403, url
    assert commune.post(f"/dashboard/campaign?unit={city.ward.id}", sent).status_code == 403
    assert commune.post(f"/dashboard/campaign?unit={city.city.id}", sent).status_code == 403
    assert commune.get("/dashboard/plans/99999").status_code == 404
    assert commune.get("/dashboard/plan?unit=99999").status_code == 404
    # the commune's /targets is its own current plan: it has none
    assert commune.post("/dashboard/targets", sent).status_code == 404
    assert count(Campaign) == 1 and count(TargetChange) == 0
    assert targets_of(city.campaign.id) == {g: (p, None) for g, p in DEFAULT_TARGETS.items()}
    text = page_text(commune.get("/dashboard/plan").get_data(as_text=True))
    assert "Hồng Bàng" not in text and city.campaign.name not in text


def test_school_admins_keep_no_plan(city, make_browser):
    principal = signed_in(make_browser, "hieutruong")
    sent = plan_data("X", "2026-01-01", "2026-12-31", primary=1)
    for url in ("/dashboard/plan", "/dashboard/plan/new", f"/dashboard/plans/{city.campaign.id}"):
        assert principal.get(url).status_code == 403, url
    for url in ("/dashboard/campaign", "/dashboard/targets", f"/dashboard/plans/{city.campaign.id}"):
        assert principal.post(url, sent).status_code == 403, url
    assert count(Campaign) == 1 and count(TargetChange) == 0


def test_the_city_admin_keeps_the_city_plan_and_its_units(city, make_browser):
    admin = signed_in(make_browser, "thanhpho")
    page = admin.get("/dashboard/plan").get_data(as_text=True)
    text = page_text(page)
    assert "Kế hoạch của Thành phố Hải Phòng" in text
    # the unit picker: the city, then its wards and communes by name; no other city's
    picked = form_fields(page.replace('method="get"', 'method="post"'), "/dashboard/plan")
    assert picked == {"unit": str(city.city.id)}
    assert "Thành phố Hải Phòng Phường Hồng Bàng Xã An Lão Xem kế hoạch" in text
    assert "Phường Xa" not in text
    response = admin.post("/dashboard/campaign", plan_data(
        "Kế hoạch 5691/KH-SGDĐT", "2025-09-01", "2026-06-30",
        teachers=80, primary=100, lower_secondary=100, parents=80, households=70))
    assert response.status_code == 302
    assert response.location == f"/dashboard/plan?unit={city.city.id}"
    plan = db.session.scalar(select(Campaign).where(Campaign.unit_id == city.city.id))
    assert plan.name == "Kế hoạch 5691/KH-SGDĐT"
    assert "Kế hoạch: Kế hoạch 5691/KH-SGDĐT" in page_text(
        admin.get(response.location).get_data(as_text=True))
    # a ward's plan in scope: shown and edited by the city admin
    ward_page = page_text(admin.get(f"/dashboard/plan?unit={city.ward.id}").get_data(as_text=True))
    assert f"Kế hoạch: {city.campaign.name}" in ward_page
    url = f"/dashboard/plans/{city.campaign.id}"
    sent = form_fields(admin.get(url).get_data(as_text=True), url)
    sent["parents-percent"] = "75"
    response = admin.post(url, sent)
    assert response.status_code == 302 and response.location == f"/dashboard/plan?unit={city.ward.id}"
    assert targets_of(city.campaign.id)["parents"] == (75, None)
    # another city's ward is not theirs
    assert admin.get(f"/dashboard/plan?unit={city.far.id}").status_code == 403
    assert admin.post(f"/dashboard/campaign?unit={city.far.id}", sent).status_code == 403
    assert admin.get(f"/dashboard/plan?unit={city.elsewhere.id}").status_code == 403


def test_posts_without_a_csrf_token_are_refused(city, make_browser):
    ward = signed_in(make_browser, "phuong")
    url = f"/dashboard/plans/{city.campaign.id}"
    sent = form_fields(ward.get(url).get_data(as_text=True), url)
    del sent["csrf_token"]
    sent["households-percent"] = "10"
    for target in (url, "/dashboard/targets", "/dashboard/campaign"):
        response = ward.client.post(target, data=sent)
        assert response.status_code == 400, target
    assert count(Campaign) == 1 and count(TargetChange) == 0
    assert targets_of(city.campaign.id)["households"] == (70, None)
