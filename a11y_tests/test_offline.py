"""Offline entry (离线录入, static/js/offline.js + the service worker): the journeys of
issue "fill in with no signal, send with one press", in Debian's Chromium.

Each journey uses its own persistent browser profile (a folder), so "restart the
browser" is real: the browser is closed and started again on the same profile, and
what survives is what a phone would keep (IndexedDB, the service worker, its cache).
The network is cut with context.set_offline, which in this Chromium also cuts the
service worker's own fetches (test_going_offline_cuts_the_service_workers_fetches_too
checks that, so the journeys would not pass on a network that is secretly still up)."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest

from .support import CHROMIUM, CHROMIUM_ARGS, CONTEXT_OPTIONS, PNG_BYTES, id_number

PASSWORD = {"13800000001": "yiban-demo-1", "13800000002": "yiban-demo-2",
            "13800000003": "yiban-demo-3", "13800000004": "yiban-demo-4",
            "13800000005": "yiban-demo-5", "13800000006": "yiban-demo-6"}
BANK = "6222021234567890123"
ADDRESS = {"region": "湖南省长沙市芙蓉区", "detail": "示例路1号"}


class Device:
    """A phone: one browser profile that can be closed and started again."""

    def __init__(self, playwright, folder, base_url):
        self.playwright, self.folder, self.base_url = playwright, folder, base_url
        self.context = self.page = None
        self.start()

    def start(self, offline=False):
        self.context = self.playwright.chromium.launch_persistent_context(
            str(self.folder), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            base_url=self.base_url, **CONTEXT_OPTIONS)
        self.context.set_default_timeout(30_000)
        self.context.set_offline(offline)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.errors = []
        self.page.on("response", lambda r: r.status >= 500 and self.errors.append(r.url))

    def restart(self, offline):
        self.context.close()
        self.start(offline)

    def close(self):
        self.context.close()

    def offline(self, value=True):
        self.context.set_offline(value)

    def goto(self, path):
        self.page.goto(path)
        self.wait_ready()

    def wait_ready(self):
        """offline.js has loaded (after the page's load event) and, online, has kept
        the application's pages for offline use."""
        if self.page.evaluate("navigator.onLine"):
            self.page.wait_for_function("() => document.documentElement.dataset.offlineReady"
                                        " === '1' || !document.body.dataset.offlineCode")
        self.page.wait_for_function(
            "() => !!document.querySelector('script[src*=\"offline\"]')")
        self.page.wait_for_timeout(300)

    def press_continue(self):
        with self.page.expect_navigation():
            self.page.locator("main form button[type=submit]").first.click()
        self.wait_ready()

    def sign_in(self, mobile):
        self.page.goto("/sign-in")
        self.page.fill("#login", mobile)
        self.page.fill("#password", PASSWORD[mobile])
        with self.page.expect_navigation():
            self.page.locator("main form button[type=submit]").click()

    def entries(self) -> int:
        return self.page.evaluate("""() => new Promise(ok => {
            const r = indexedDB.open('yiban-offline', 1);
            r.onupgradeneeded = () => { r.transaction.abort(); };
            r.onerror = () => ok(-1);
            r.onsuccess = () => { const db = r.result;
              if (!db.objectStoreNames.contains('entries')) { db.close(); ok(0); return; }
              const q = db.transaction('entries').objectStore('entries').count();
              q.onsuccess = () => { db.close(); ok(q.result); }; };
        })""")

    def databases(self) -> list[str]:
        return self.page.evaluate("indexedDB.databases().then(l => l.map(x => x.name))")

    def status(self) -> str:
        return self.page.locator("#offline-status").inner_text()


@pytest.fixture
def device(playwright, live_server, tmp_path):
    phone = Device(playwright, tmp_path / "profile", live_server.url)
    yield phone
    phone.close()


def applications(live_server, citizen_id, code):
    return [a for a in live_server.app.extensions["platform"].applications_of(citizen_id)
            if a.service_code == code]


def person_id(live_server, mobile):
    return live_server.app.extensions["platform"].authenticate(mobile, PASSWORD[mobile]).id


def test_going_offline_cuts_the_service_workers_fetches_too(device):
    device.sign_in("13800000006")
    device.goto("/apply/remote-medical-filing")
    device.offline()
    reached = device.page.evaluate(
        "fetch('/offline/status', {cache: 'no-store'}).then(() => 'network', () => 'cut')")
    # /offline/status is never kept, so only the network could answer it.
    assert reached == "cut"


def answer_remote_medical_filing_offline(device):
    """Online up to the first question after the licence facts, then offline: three
    answers, one of them a file."""
    page = device.page
    device.goto("/apply/remote-medical-filing")
    while "/filing_type" not in page.url:
        device.press_continue()
    device.offline()
    page.locator("#offline-status").filter(has_text="网络已断开").wait_for()
    page.locator("input[name=filing_type]").first.check()
    device.press_continue()
    assert "/destination" in page.url
    page.fill("#destination", "广东省深圳市")
    device.press_continue()
    page.fill("#start_date-year", "2027")
    page.fill("#start_date-month", "1")
    page.fill("#start_date-day", "15")
    device.press_continue()
    assert "/residence_proof" in page.url
    page.locator("input[type=file]").set_input_files(
        {"name": "居住证明.png", "mimeType": "image/png", "buffer": PNG_BYTES})
    device.press_continue()
    assert "/mobile" in page.url
    page.fill("#mobile", "13800000006")
    device.press_continue()
    # The last answer leads to check answers: offline, the list of what the device keeps.
    assert page.url.endswith("/apply/remote-medical-filing/check")
    assert "居住证明.png" in page.locator("#offline-saved").inner_text()


def test_a_single_matter_answered_offline_survives_reload_and_restart_and_is_sent_with_one_press(
        device, live_server):
    device.sign_in("13800000006")
    before = len(applications(live_server, person_id(live_server, "13800000006"),
                              "remote-medical-filing"))
    answer_remote_medical_filing_offline(device)
    page = device.page
    page.reload()
    device.wait_ready()
    assert device.entries() == 5
    device.restart(offline=True)
    device.goto("/apply/remote-medical-filing/destination")
    assert device.page.input_value("#destination") == "广东省深圳市"
    assert "保存在这台设备上" in device.page.locator("main").inner_text()
    device.offline(False)
    device.page.locator("#offline-send").wait_for()
    assert "这台设备上有 1 份未提交的申请" in device.status()
    with device.page.expect_navigation(url=re.compile(r"/apply/remote-medical-filing/check$")):
        device.page.locator("#offline-send").click()
    check = device.page.locator("main").inner_text()
    for answer in ("广东省深圳市", "2027", "居住证明.png"):
        assert answer in check
    assert device.entries() == 0
    with device.page.expect_navigation():
        device.page.locator("main form button[type=submit]").last.click()
    assert re.search(r"YB\d{14}", device.page.locator("main").inner_text())
    after = applications(live_server, person_id(live_server, "13800000006"),
                         "remote-medical-filing")
    assert len(after) == before + 1


def test_the_offline_copy_is_kept_once_per_application_not_on_every_page(device):
    device.sign_in("13800000004")
    kept = []
    device.context.on("request", lambda r: re.search(r"/offline/(page|rules)/", r.url)
                      and kept.append(r.url))
    device.goto("/apply/remote-medical-filing")
    assert any("/offline/rules/" in url for url in kept)
    assert any("/offline/page/" in url for url in kept)
    kept.clear()
    device.press_continue()  # the second question page of the same application
    assert device.page.evaluate("document.documentElement.dataset.offlineReady") == "1"
    assert kept == []


def test_the_service_page_of_an_application_opened_online_is_there_offline(device):
    device.sign_in("13800000004")
    device.goto("/apply/remote-medical-filing")
    device.offline()
    device.page.goto("/services/remote-medical-filing")
    heading = device.page.locator("main h1").inner_text()
    assert "异地就医备案" in heading, heading  # not "you are offline"
    assert device.page.locator("main a[href*='/apply/remote-medical-filing']").count()
    # rendered for nobody: no name of whoever opened it
    assert "赵桂兰" not in device.page.content()


# ---- 退休一件事: the matters chosen online decide what is asked offline ---------------
def answer_retirement_offline(device):
    page = device.page
    device.goto("/apply/retirement")
    page.locator("input[name=matters][value=only_child_reward]").check()
    device.press_continue()
    while "/retire_kind" not in page.url:
        device.press_continue()
    device.offline()
    page.locator("#offline-status").filter(has_text="网络已断开").wait_for()
    page.locator("input[name=retire_kind][value=normal]").check()
    device.press_continue()
    # Asked because of a matter chosen online: the device learnt it while online.
    assert "/only_child_certificate" in page.url
    page.locator("input[type=file]").set_input_files(
        {"name": "独生子女证.png", "mimeType": "image/png", "buffer": PNG_BYTES})
    device.press_continue()
    assert "/bank_account" in page.url
    page.fill("#bank_account", BANK)
    device.press_continue()
    page.fill("#home_address-region", ADDRESS["region"])
    page.fill("#home_address-detail", ADDRESS["detail"])
    device.press_continue()
    assert page.url.endswith("/apply/retirement/check")


def send_and_submit(device, code):
    with device.page.expect_navigation(url=re.compile(rf"/apply/{code}/check$")):
        device.page.locator("#offline-send").click()
    check = device.page.locator("main").inner_text()
    with device.page.expect_navigation():
        device.page.locator("main form button[type=submit]").last.click()
    assert re.search(r"YB\d{14}", device.page.locator("main").inner_text()), \
        device.page.locator("main").inner_text()
    return check


def test_retirement_answered_offline_survives_restart_and_is_one_application(device, live_server):
    device.sign_in("13800000001")
    citizen = person_id(live_server, "13800000001")
    before = len(applications(live_server, citizen, "retirement"))
    answer_retirement_offline(device)
    device.page.reload()
    device.wait_ready()
    device.restart(offline=True)
    device.goto("/apply/retirement/bank_account")
    assert device.page.input_value("#bank_account") == BANK
    assert device.entries() == 4
    device.offline(False)
    device.page.locator("#offline-send").wait_for()
    check = send_and_submit(device, "retirement")
    for answer in ("正常退休", "独生子女证.png", BANK[-4:], ADDRESS["detail"]):
        assert answer in check
    assert "还没有回答" not in check
    assert device.entries() == 0
    assert len(applications(live_server, citizen, "retirement")) == before + 1


# ---- flaky and slow networks ------------------------------------------------------------
def test_a_send_cut_off_at_the_second_answer_resumes_where_it_stopped(device, live_server):
    device.sign_in("13800000005")
    citizen = person_id(live_server, "13800000005")
    before = len(applications(live_server, citizen, "remote-medical-filing"))
    answer_remote_medical_filing_offline(device)
    device.offline(False)
    device.page.locator("#offline-send").wait_for()
    sends = []

    def second_fails(route):
        sends.append(route.request.url)
        route.abort("connectionreset") if len(sends) == 2 else route.continue_()
    device.page.route("**/offline/send/**", second_fails)
    device.page.locator("#offline-send").click()
    device.page.locator("#offline-status").filter(has_text="发送已暂停").wait_for()
    assert device.entries() == 4  # the first was taken; nothing else is lost
    check = send_and_submit(device, "remote-medical-filing")
    for answer in ("广东省深圳市", "居住证明.png", "2027"):
        assert answer in check
    assert len(applications(live_server, citizen, "remote-medical-filing")) == before + 1


def test_sending_over_a_slow_network_works(device, live_server):
    device.sign_in("13800000002")
    citizen = person_id(live_server, "13800000002")
    before = len(applications(live_server, citizen, "remote-medical-filing"))
    answer_remote_medical_filing_offline(device)
    device.offline(False)
    cdp = device.context.new_cdp_session(device.page)
    cdp.send("Network.enable")
    # 400 kbit/s both ways, 400 ms round trip.
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 400, "downloadThroughput": 50_000,
        "uploadThroughput": 50_000})
    device.page.reload()
    device.page.locator("#offline-send").wait_for(timeout=60_000)
    send_and_submit(device, "remote-medical-filing")
    assert len(applications(live_server, citizen, "remote-medical-filing")) == before + 1


# ---- a helper under consent -------------------------------------------------------------
def helper_acts(device, live_server, helper_code, password):
    device.page.goto("/helper/sign-in")
    device.page.fill("#login", helper_code)
    device.page.fill("#password", password)
    with device.page.expect_navigation():
        device.page.locator("main form button[type=submit]").click()
    with device.page.expect_navigation():
        device.page.locator("main .card form button").first.click()


def test_a_helpers_offline_entry_waits_while_the_consent_is_revoked_then_is_sent(
        device, live_server):
    app = live_server.app
    consents, store = app.extensions["consents"], app.extensions["front_store"]
    platform = app.extensions["platform"]
    helper = platform.authenticate_helper("HB1003", "yiban-helper-3")
    citizen = platform.authenticate("13800000004", "yiban-demo-4").id
    before = len(applications(live_server, citizen, "remote-medical-filing"))
    grant = consents.grant(citizen, helper.id, None, 24, "remote")
    helper_acts(device, live_server, "HB1003", "yiban-helper-3")
    answer_remote_medical_filing_offline(device)
    consents.revoke(grant.id, citizen)  # the citizen ends it while the helper is offline

    device.offline(False)
    device.page.locator("#offline-send").click()
    status = device.page.locator("#offline-status")
    status.filter(has_text="授权已结束").wait_for()
    assert device.page.locator("#offline-delete").is_visible()
    assert device.entries() == 5  # nothing lost
    draft = store.open_draft(citizen, "remote-medical-filing")
    assert draft is None or "destination" not in draft.answers  # nothing stored

    # The citizen authorises the helper again: the entry goes, and leaves the device.
    consents.grant(citizen, helper.id, None, 24, "remote")
    device.page.goto("/helper/")
    with device.page.expect_navigation():
        device.page.locator("main .card form button").first.click()
    device.wait_ready()
    send_and_submit(device, "remote-medical-filing")
    assert device.entries() == 0
    sent = applications(live_server, citizen, "remote-medical-filing")
    assert len(sent) == before + 1


# ---- the device copy is deleted -----------------------------------------------------
def test_signing_out_deletes_the_device_copy(device):
    device.sign_in("13800000003")
    device.goto("/apply/remote-medical-filing")
    answer_remote_medical_filing_offline(device)
    assert device.entries() == 5
    device.offline(False)
    device.goto("/services/remote-medical-filing")
    with device.page.expect_navigation():
        device.page.get_by_role("button", name="退出登录").click()
    device.wait_ready()
    assert "yiban-offline" not in device.databases()


@contextmanager
def idle_time_out(device, live_server):
    """The sign-in ends by the idle time-out (shortened here to a second)."""
    config = live_server.app.config
    idle = config["SESSION_IDLE_TIMEOUT"]
    config["SESSION_IDLE_TIMEOUT"] = timedelta(seconds=1)
    try:
        device.page.wait_for_timeout(2_000)
        device.offline(False)
        device.goto("/services/remote-medical-filing")
        assert device.page.locator("body[data-offline-wipe=idle]").count() == 1
        yield
    finally:
        config["SESSION_IDLE_TIMEOUT"] = idle


def test_the_idle_time_out_deletes_a_device_copy_with_nothing_waiting(device, live_server):
    """Nothing typed offline: the next page, signed out by the time-out, deletes the
    device copy (the key, the kept answers that decide the order) of whoever it was."""
    device.sign_in("13800000003")
    device.goto("/apply/remote-medical-filing")
    assert "yiban-offline" in device.databases()
    with idle_time_out(device, live_server):
        device.page.wait_for_function(
            "() => indexedDB.databases().then(l => !l.some(x => x.name === 'yiban-offline'))")


def test_answers_typed_offline_outlive_the_idle_time_out_and_are_sent_after_signing_in(
        device, live_server):
    """Hours without signal end the sign-in; what was typed offline is not lost: it
    waits (encrypted) until the same person signs in again and presses 一键提交."""
    citizen = person_id(live_server, "13800000003")
    before = len(applications(live_server, citizen, "remote-medical-filing"))
    device.sign_in("13800000003")
    answer_remote_medical_filing_offline(device)
    assert device.entries() == 5
    with idle_time_out(device, live_server):
        device.page.wait_for_timeout(500)
        assert device.entries() == 5
    device.sign_in("13800000003")
    device.goto("/apply/remote-medical-filing")
    device.page.locator("#offline-send").wait_for(timeout=60_000)
    send_and_submit(device, "remote-medical-filing")
    assert device.entries() == 0
    assert len(applications(live_server, citizen, "remote-medical-filing")) == before + 1


def test_the_device_copy_is_deleted_after_the_offline_limit(device, live_server):
    """Past YIBAN_OFFLINE_KEEP_DAYS (3) since the device last reached the site signed
    in, the next page it opens deletes the copy (the key with it), online or not."""
    device.sign_in("13800000003")
    answer_remote_medical_filing_offline(device)
    assert device.entries() == 5
    device.page.clock.install(time=device.page.evaluate("Date.now()") + 4 * 86_400_000)
    device.goto("/apply/remote-medical-filing/mobile")
    assert "yiban-offline" not in device.databases()


# ---- the browser's checks are the server's ------------------------------------------
CHILD = id_number("11010120250301002")
RULE_CASES = [  # (service, question, {field: value}), each checked offline and by the server
    ("childcare-subsidy", "child_name", {"child_name": ""}),
    ("childcare-subsidy", "child_name", {"child_name": "张小明2"}),
    ("childcare-subsidy", "child_name", {"child_name": "张小明２"}),
    ("childcare-subsidy", "child_name", {"child_name": "张" * 51}),
    ("childcare-subsidy", "child_name", {"child_name": " 张小明 "}),
    ("childcare-subsidy", "child_id_number", {"child_id_number": "123"}),
    ("childcare-subsidy", "child_id_number", {"child_id_number": CHILD[:-1] + "Y"}),
    ("childcare-subsidy", "child_id_number",
     {"child_id_number": CHILD[:-1] + ("0" if CHILD[-1] != "0" else "1")}),
    ("childcare-subsidy", "child_id_number", {"child_id_number": "110101209901010011"}),
    ("childcare-subsidy", "child_id_number", {"child_id_number": CHILD.lower()}),
    ("childcare-subsidy", "child_birth_date",
     {"child_birth_date-year": "", "child_birth_date-month": "", "child_birth_date-day": ""}),
    ("childcare-subsidy", "child_birth_date",
     {"child_birth_date-year": "2025", "child_birth_date-month": "", "child_birth_date-day": "1"}),
    ("childcare-subsidy", "child_birth_date",
     {"child_birth_date-year": "2025", "child_birth_date-month": "13", "child_birth_date-day": "1"}),
    ("childcare-subsidy", "child_birth_date",
     {"child_birth_date-year": "25", "child_birth_date-month": "3", "child_birth_date-day": "1"}),
    ("childcare-subsidy", "child_birth_date",
     {"child_birth_date-year": "2025", "child_birth_date-month": "2", "child_birth_date-day": "30"}),
    ("childcare-subsidy", "child_birth_date",
     {"child_birth_date-year": "2099", "child_birth_date-month": "1", "child_birth_date-day": "1"}),
    ("childcare-subsidy", "child_birth_date",
     {"child_birth_date-year": "2025", "child_birth_date-month": "3", "child_birth_date-day": "1"}),
    ("childcare-subsidy", "bank_account", {"bank_account": "123"}),
    ("childcare-subsidy", "bank_account", {"bank_account": "6222 0212 3456 7890"}),
    ("childcare-subsidy", "bank_account", {"bank_account": "62220a12345678"}),
    ("childcare-subsidy", "mobile", {"mobile": "1380000000"}),
    ("childcare-subsidy", "mobile", {"mobile": "23800000001"}),
    ("childcare-subsidy", "mobile", {"mobile": "+86 138 0000 0001"}),
    ("childcare-subsidy", "mobile", {"mobile": "１３８０００００００１"}),
    ("childcare-subsidy", "mobile", {"mobile": "138-0000-000a"}),
    ("remote-medical-filing", "destination", {"destination": ""}),
    ("remote-medical-filing", "destination", {"destination": "深" * 201}),
    ("remote-medical-filing", "destination", {"destination": "深圳"}),
]


def server_verdict(app, code, key, values):
    """What the question page's own form says about the answer (its first error)."""
    from werkzeug.datastructures import MultiDict

    from app.apply.journey import load_service
    from app.forms.builder import form_class
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        _service, questions = load_service(code)
        q = next(x for x in questions if x.key == key)
        form = form_class(q)(formdata=MultiDict(values), meta={"csrf": False})
        return None if form.validate() else form.field.errors[0]


def test_offline_checks_give_the_same_verdict_and_message_as_the_server(device, live_server):
    device.sign_in("13800000003")
    for code in ("childcare-subsidy", "remote-medical-filing"):
        device.goto(f"/apply/{code}")
    device.offline()
    page = device.page
    differences = []
    for code, key, values in RULE_CASES:
        device.goto(f"/apply/{code}/{key}")
        for name, value in values.items():
            page.fill(f'[name="{name}"]', value)
        before = page.url
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_function(
            "(before) => location.href !== before || !!document.querySelector('[data-offline-error]')",
            arg=before)
        shown = (page.locator(".error-summary[data-offline-error] a").inner_text()
                 if page.url == before else None)
        expected = server_verdict(live_server.app, code, key, values)
        if shown != expected:
            differences.append((key, values, shown, expected))
    assert differences == []
