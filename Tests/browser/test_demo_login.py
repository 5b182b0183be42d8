"""Browser test: the demo federation starts, and a seeded user signs in from a real headless
Chromium through the login form and sees the dashboard.

Run: LIAISON_BIN=.build/debug/liaison pytest Tests/browser
Screenshots go to test-output/browser/.
"""
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "browser"
BINARY = os.environ.get("LIAISON_BIN", str(ROOT / ".build" / "debug" / "liaison"))


def free_base_port() -> int:
    """A port p such that p, p+1 and p+2 are free on loopback."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 65000:
            continue
        try:
            sockets = []
            for offset in range(3):
                s = socket.socket()
                s.bind(("127.0.0.1", base + offset))
                sockets.append(s)
            for s in sockets:
                s.close()
            return base
        except OSError:
            for s in sockets:
                s.close()
    raise RuntimeError("no three consecutive free ports")


@pytest.fixture(scope="module")
def demo():
    data_dir = tempfile.mkdtemp(prefix="liaison-demo-")
    base = free_base_port()
    process = subprocess.Popen(
        [BINARY, "demo", "--data-dir", data_dir, "--base-port", str(base)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines = []
    deadline = time.time() + 60
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "All three nodes are up" in line:
            break
    else:
        process.kill()
        pytest.fail("demo did not start:\n" + "".join(lines))
    credentials = {}
    for line in lines:
        match = re.match(r"^(X[A-C]-\w+)\s+(http://\S+)\s+(\S+)\s+(\S+)\s*$", line)
        if match:
            credentials[(match.group(1), match.group(3))] = (match.group(2), match.group(4))
    yield base, credentials
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    yield driver
    driver.quit()


def test_three_nodes_answer_health(demo):
    base, credentials = demo
    assert len(credentials) == 24, "8 roles x 3 agencies seeded"
    for offset in range(3):
        with urllib.request.urlopen(f"http://127.0.0.1:{base + offset}/healthz", timeout=5) as response:
            assert response.status == 200


@pytest.mark.parametrize("agency,username", [("XA-POL", "administrator"), ("XB-CUS", "investigator"), ("XC-PRO", "judicial-authority")])
def test_sign_in_from_browser(demo, browser, agency, username):
    _, credentials = demo
    url, password = credentials[(agency, username)]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    browser.delete_all_cookies()
    browser.get(url)
    assert "Sign in" in browser.title
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "sign-in").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/dashboard"))
    assert browser.find_element(By.ID, "current-user").text == username
    assert browser.find_element(By.ID, "identity-agency").text == agency
    assert browser.find_element(By.TAG_NAME, "main").get_attribute("id") == "main"
    browser.save_screenshot(str(OUTPUT / f"dashboard-{agency}-{username}.png"))
    # Sign out through the form (CSRF-protected) and land on the sign-in page again.
    browser.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/login"))
    browser.get(url.replace("/login", "/dashboard"))
    assert browser.current_url.endswith("/login"), "the session ended"


def test_sign_out_everywhere(demo, browser):
    """A supervisor who lost a phone signs out everywhere from the browser: the page's session and
    an API token issued elsewhere both stop working at once; signing in again works. The header
    with both buttons fits a phone."""
    _, credentials = demo
    url, password = credentials[("XA-POL", "supervisor")]
    api = url.replace("/login", "")
    request = urllib.request.Request(api + "/api/v1/auth/token", data=json.dumps({"username": "supervisor", "password": password}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        token = json.load(response)["token"]

    def api_status():
        probe = urllib.request.Request(api + "/api/v1/messages", headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(probe, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert api_status() == 200
    sign_in(browser, url, "supervisor", password)
    browser.set_window_size(390, 844)
    try:
        browser.save_screenshot(str(OUTPUT / "sign-out-everywhere-phone.png"))
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        browser.set_window_size(1280, 1000)
    browser.find_element(By.ID, "sign-out-everywhere").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/login"))
    assert api_status() == 401, "the token issued elsewhere ended too"
    browser.get(api + "/dashboard")
    assert browser.current_url.endswith("/login"), "the session ended"
    sign_in(browser, url, "supervisor", password)
    assert browser.find_element(By.ID, "current-user").text == "supervisor"


def test_wrong_password_shows_error(demo, browser):
    _, credentials = demo
    url, _ = credentials[("XA-POL", "analyst")]
    browser.delete_all_cookies()
    browser.get(url)
    browser.find_element(By.ID, "username").send_keys("analyst")
    browser.find_element(By.ID, "password").send_keys("definitely wrong")
    browser.find_element(By.ID, "sign-in").click()
    WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.ID, "login-error")))
    assert browser.find_element(By.ID, "login-error").is_displayed()
    browser.save_screenshot(str(OUTPUT / "login-error.png"))


def across_navigation(browser, condition, timeout=10):
    """Waits for a condition that reads elements while a page may still be replacing the last one.
    An element found on the old page can vanish between finding and reading it: Chromium reports
    that as a stale element or as "Node with given id does not belong to the document" (a plain
    WebDriverException); both mean "not yet", so the condition is tried again."""
    return WebDriverWait(browser, timeout, ignored_exceptions=(StaleElementReferenceException, WebDriverException)).until(condition)


def sign_in(browser, url, username, password):
    browser.delete_all_cookies()
    browser.get(url)
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "sign-in").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/dashboard"))


def test_message_between_agencies_in_the_browser(demo, browser):
    """An investigator at XA-POL writes to XB-CUS through the compose form; the message is
    delivered over TLS with a signed receipt, and XB-CUS's investigator reads it."""
    _, credentials = demo
    url_a, password_a = credentials[("XA-POL", "investigator")]
    url_b, password_b = credentials[("XB-CUS", "investigator")]
    sign_in(browser, url_a, "investigator", password_a)
    browser.find_element(By.ID, "nav-messages").click()
    browser.find_element(By.ID, "compose-link").click()
    browser.find_element(By.ID, "to-XB-CUS").click()
    browser.find_element(By.ID, "subject").send_keys("Grey van at the northern crossing")
    browser.find_element(By.ID, "body").send_keys("Registration XA-123-BC crossed at 03:10. Please check your records.")
    browser.find_element(By.ID, "legalBasis").send_keys("Council Framework Decision 2006/960/JHA")
    browser.find_element(By.ID, "caseRef").send_keys("XA-2026-0042")
    browser.save_screenshot(str(OUTPUT / "compose.png"))
    browser.find_element(By.ID, "send").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_matches(r"/messages/[0-9a-f-]+$"))
    for _ in range(50):
        state = browser.find_element(By.CSS_SELECTOR, "table.deliveries td.state").text
        if state == "delivered":
            break
        time.sleep(0.2)
        browser.refresh()
    assert state == "delivered"
    browser.save_screenshot(str(OUTPUT / "sent-message.png"))

    sign_in(browser, url_b, "investigator", password_b)
    browser.get(url_b.replace("/login", "/messages"))
    link = browser.find_element(By.LINK_TEXT, "Grey van at the northern crossing")
    link.click()
    assert "Registration XA-123-BC" in browser.find_element(By.CSS_SELECTOR, ".body").text
    browser.save_screenshot(str(OUTPUT / "received-message.png"))
    # H0 information may be passed on to another partner: the page says so and offers it.
    decisions = browser.find_element(By.ID, "onward-decisions").text
    assert "Pass on to XC-PRO: permitted" in decisions, decisions
    received_url = browser.current_url
    browser.find_element(By.ID, "forward").click()
    # The forward lands on another message page: wait for the new page, not just any message URL.
    WebDriverWait(browser, 10).until(lambda b: b.current_url != received_url)
    across_navigation(browser, lambda b: b.find_element(By.TAG_NAME, "h1").text.startswith("Fwd: "))
    browser.save_screenshot(str(OUTPUT / "forwarded-message.png"))


def test_evidence_timeline_in_the_browser(demo, browser):
    """An investigator opens the seeded evidence item, records a custody event through the form,
    and sees it at the end of the timeline."""
    _, credentials = demo
    url, password = credentials[("XA-POL", "investigator")]
    sign_in(browser, url, "investigator", password)
    browser.find_element(By.ID, "nav-evidence").click()
    browser.find_element(By.PARTIAL_LINK_TEXT, "Tobacco sample").click()
    events = browser.find_elements(By.CSS_SELECTOR, "#custody-timeline .custody-event .action")
    assert [e.text for e in events] == ["collected", "sealed", "transferred"]
    browser.find_element(By.ID, "action").send_keys("examined")
    browser.find_element(By.ID, "actor").send_keys("Dr. Ines Kovac")
    browser.find_element(By.ID, "place").send_keys("Aldoria forensic laboratory")
    browser.find_element(By.ID, "purpose").send_keys("identification of the tobacco")
    browser.find_element(By.ID, "add-event").click()
    WebDriverWait(browser, 10).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#custody-timeline .custody-event")) == 4)
    assert browser.find_elements(By.CSS_SELECTOR, "#custody-timeline .custody-event .action")[-1].text == "examined"
    assert browser.find_element(By.ID, "package-link").is_displayed()
    browser.save_screenshot(str(OUTPUT / "evidence-timeline.png"))


def test_audit_explorer_in_the_browser(demo, browser):
    """The oversight user filters the audit log by operation and opens an entry whose inclusion
    proof verifies against the signed checkpoint."""
    _, credentials = demo
    url, password = credentials[("XA-POL", "oversight")]
    sign_in(browser, url, "oversight", password)
    browser.find_element(By.ID, "nav-audit").click()
    browser.find_element(By.ID, "operation").send_keys("auth.login")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("operation=auth.login"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#audit-entries tbody tr")
    assert rows, "sign-ins are logged"
    assert all(row.find_elements(By.TAG_NAME, "td")[3].text == "auth.login" for row in rows)
    browser.save_screenshot(str(OUTPUT / "audit-explorer.png"))
    # Open the oldest shown entry; the node signs a checkpoint at least every 10 seconds.
    href = rows[-1].find_element(By.TAG_NAME, "a").get_attribute("href")
    for _ in range(30):
        browser.get(href)
        if browser.find_elements(By.ID, "proof-verdict"):
            break
        time.sleep(0.5)
    assert "ok" in browser.find_element(By.ID, "proof-verdict").get_attribute("class")
    browser.save_screenshot(str(OUTPUT / "audit-entry.png"))


def test_screening_and_adjudication_in_the_browser(demo, browser):
    """An investigator screens a name written another way than on the demo watch list, reads why
    it matched, and clears it as a false positive with a reason; the same name screened again is
    not raised."""
    _, credentials = demo
    url, password = credentials[("XA-POL", "investigator")]
    sign_in(browser, url, "investigator", password)
    browser.find_element(By.ID, "nav-screening").click()
    browser.find_element(By.ID, "screen-name").send_keys("Viktor Morozov")
    browser.find_element(By.ID, "screen-dob").send_keys("1971")
    browser.find_element(By.ID, "screen-submit").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "match-count"))
    matches = browser.find_elements(By.CSS_SELECTOR, "#matches .match")
    assert len(matches) == 1
    assert "Viktor Aleksandrovich Morozov" in matches[0].text
    # A first name and surname are a short form of the listed name: the explanation names the
    # part the query left out.
    assert "aleksandrovich" in matches[0].find_element(By.CSS_SELECTOR, ".explanation").text
    browser.save_screenshot(str(OUTPUT / "screening-results.png"))
    form = matches[0].find_element(By.CSS_SELECTOR, "form.adjudicate")
    form.find_element(By.NAME, "reason").send_keys("Different person: born in Calderan, passport checked")
    form.find_element(By.TAG_NAME, "button").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#decided .decision"))
    assert browser.find_element(By.CSS_SELECTOR, "#decided .decision").text == "false-positive"
    browser.find_element(By.ID, "screen-name").send_keys("Viktor Morozov")
    browser.find_element(By.ID, "screen-dob").send_keys("1971")
    browser.find_element(By.ID, "screen-submit").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "match-count"))
    assert browser.find_element(By.ID, "match-count").text == "0"
    assert browser.find_elements(By.CSS_SELECTOR, ".cleared")


def test_screening_keeps_what_was_typed_and_widens_with_a_threshold(demo, browser):
    """An analyst mistypes a date: the error names it and the name, date and threshold typed stay
    in the form. With the date fixed and the threshold lowered to 0.5, the search is wider and
    says at which threshold it ran; at phone width the form is still usable."""
    _, credentials = demo
    url, password = credentials[("XA-POL", "analyst")]
    sign_in(browser, url, "analyst", password)
    browser.find_element(By.ID, "nav-screening").click()
    browser.find_element(By.ID, "screen-name").send_keys("Viktor Morozenko")
    browser.find_element(By.ID, "screen-dob").send_keys("someday")
    browser.find_element(By.ID, "screen-threshold").send_keys("0.5")
    browser.find_element(By.ID, "screen-submit").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "form-error"))
    assert "dob" in browser.find_element(By.ID, "form-error").text.lower() or "date" in browser.find_element(By.ID, "form-error").text.lower()
    assert browser.find_element(By.ID, "screen-name").get_attribute("value") == "Viktor Morozenko"
    assert browser.find_element(By.ID, "screen-dob").get_attribute("value") == "someday"
    assert browser.find_element(By.ID, "screen-threshold").get_attribute("value") == "0.5"
    dob = browser.find_element(By.ID, "screen-dob")
    dob.clear()
    browser.find_element(By.ID, "screen-submit").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "match-count"))
    assert "0.50" in browser.find_element(By.ID, "outcome-heading").find_element(By.XPATH, "..").text
    matches = browser.find_elements(By.CSS_SELECTOR, "#matches .match")
    assert any("Morozov" in match.text for match in matches)
    assert browser.find_element(By.ID, "screen-name").get_attribute("value") == "Viktor Morozenko"
    browser.set_window_size(390, 844)
    field = browser.find_element(By.ID, "screen-threshold")
    assert field.is_displayed() and field.size["width"] <= 390
    browser.save_screenshot(str(OUTPUT / "screening-threshold-phone.png"))
    browser.set_window_size(1280, 900)


def test_list_import_and_arabic_script_screening_in_the_browser(demo, browser, tmp_path):
    """A supervisor at XB-CUS imports a FollowTheMoney watch list through the Lists page's upload
    form and sees what it added; a name written in Arabic script then finds its Latin entry, with
    the reading that matched it; a malformed file imports nothing and names its line."""
    _, credentials = demo
    url, password = credentials[("XB-CUS", "supervisor")]
    sign_in(browser, url, "supervisor", password)
    entities = tmp_path / "watch.ftm.json"
    entities.write_text(
        '{"id":"w-1","schema":"Person","properties":{"name":["HASSAN DAHIR AWEYS"],"birthDate":["1935"]}}\n'
        '{"id":"w-2","schema":"Company","properties":{"name":["Romashka Trading OOO"]}}\n',
        encoding="utf-8",
    )
    browser.get(url.split("/login")[0] + "/screening/lists")
    Select(browser.find_element(By.ID, "import-format")).select_by_visible_text("ftm")
    browser.find_element(By.ID, "import-name").send_keys("browser-watch")
    browser.find_element(By.ID, "import-file").send_keys(str(entities))
    browser.find_element(By.ID, "import-submit").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "form-notice"))
    assert "browser-watch version 1: 2 entries; added 2" in browser.find_element(By.ID, "form-notice").text
    assert "browser-watch" in browser.find_element(By.ID, "lists").text
    browser.save_screenshot(str(OUTPUT / "list-import.png"))

    broken = tmp_path / "broken.ftm.json"
    broken.write_text('{"id":"w-3","schema":"Person","properties":{"name":["A B"]}}\n{"id": ', encoding="utf-8")
    Select(browser.find_element(By.ID, "import-format")).select_by_visible_text("ftm")
    browser.find_element(By.ID, "import-name").send_keys("browser-watch")
    browser.find_element(By.ID, "import-file").send_keys(str(broken))
    browser.find_element(By.ID, "import-submit").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "form-error"))
    error = browser.find_element(By.ID, "form-error").text
    assert "Nothing imported" in error and "line 2" in error

    browser.find_element(By.ID, "nav-screening").click()
    browser.find_element(By.ID, "screen-name").send_keys("حسن ظاهر عويس")
    browser.find_element(By.ID, "screen-submit").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "match-count"))
    matches = browser.find_elements(By.CSS_SELECTOR, "#matches .match")
    assert any("HASSAN DAHIR AWEYS" in match.text for match in matches)
    explanation = next(m for m in matches if "HASSAN DAHIR AWEYS" in m.text).find_element(By.CSS_SELECTOR, ".explanation").text
    assert "'zahr'→'dahir'" in explanation


def test_victim_disclosure_waits_for_a_supervisor(demo, browser):
    """A message about a victim with health data is held: the investigator sees why and writes a
    justification; the supervisor sees it on the approvals page, approves it with a reason, and
    the message goes out; the investigator sees the decision and its reason."""
    _, credentials = demo
    url_a, password_investigator = credentials[("XA-POL", "investigator")]
    _, password_supervisor = credentials[("XA-POL", "supervisor")]
    sign_in(browser, url_a, "investigator", password_investigator)
    browser.get(url_a.replace("/login", "/messages/new"))
    browser.find_element(By.ID, "to-XB-CUS").click()
    browser.find_element(By.ID, "subject").send_keys("Victim of the E19 smuggling route")
    browser.find_element(By.ID, "body").send_keys("The victim was treated at the border clinic; details below.")
    browser.find_element(By.ID, "legalBasis").send_keys("Council Framework Decision 2006/960/JHA")
    browser.find_element(By.ID, "caseRef").send_keys("XA-2026-0042")
    browser.find_element(By.ID, "personName").send_keys("Lena Varga")
    Select(browser.find_element(By.ID, "personSubject")).select_by_value("victim")
    browser.find_element(By.ID, "special-health").click()
    browser.find_element(By.ID, "send").click()
    # Without a justification the form comes back saying what is missing, keeping what was typed.
    error = WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.ID, "compose-error"))).text
    assert "justification" in error
    assert browser.find_element(By.ID, "personName").get_attribute("value") == "Lena Varga"
    assert browser.find_element(By.ID, "to-XB-CUS").is_selected()
    assert browser.find_element(By.ID, "special-health").is_selected()
    assert Select(browser.find_element(By.ID, "personSubject")).first_selected_option.get_attribute("value") == "victim"
    browser.find_element(By.ID, "justification").send_keys("Her injuries link the van's driver to the assault of 14 March.")
    browser.find_element(By.ID, "send").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_matches(r"/approvals/[0-9a-f-]+$"))
    approval_url = browser.current_url
    assert browser.find_element(By.ID, "approval-state").get_attribute("data-state") == "pending"
    codes = [item.get_attribute("data-code") for item in browser.find_elements(By.CSS_SELECTOR, "#approval-reasons li")]
    assert codes == ["special-category", "protected-data-subject"]
    assert not browser.find_elements(By.ID, "approve"), "nobody approves their own request"
    browser.save_screenshot(str(OUTPUT / "approval-pending.png"))

    sign_in(browser, url_a, "supervisor", password_supervisor)
    browser.find_element(By.ID, "nav-approvals").click()
    WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.ID, "pending-approvals")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#pending-approvals tbody tr")
    assert any("Victim of the E19 smuggling route" in row.text for row in rows)
    browser.find_element(By.LINK_TEXT, "Victim of the E19 smuggling route").click()
    WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.ID, "decision-reason")))
    browser.find_element(By.ID, "decision-reason").send_keys("Necessary and proportionate for the assault case.")
    browser.find_element(By.ID, "approve").click()
    across_navigation(browser, lambda b: b.find_element(By.ID, "approval-state").get_attribute("data-state") == "approved")
    assert browser.find_element(By.ID, "approval-outcome").text.startswith("message:")
    browser.save_screenshot(str(OUTPUT / "approval-approved.png"))

    # The supervisor places a legal hold on the case, sees it, and releases it.
    browser.find_element(By.ID, "nav-retention").click()
    WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.ID, "hold-case"))).send_keys("XA-2026-0042")
    browser.find_element(By.ID, "hold-reason").send_keys("Trial of the van's driver pending.")
    browser.execute_script("document.getElementById('hold-until').value = '2031-12-31'")
    browser.find_element(By.ID, "place-hold").click()
    holds = WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.ID, "legal-holds"))).text
    assert "case XA-2026-0042" in holds and "Trial of the van" in holds
    browser.save_screenshot(str(OUTPUT / "legal-hold.png"))
    browser.find_element(By.CSS_SELECTOR, "#legal-holds .release-hold").click()
    WebDriverWait(browser, 10).until(lambda b: not b.find_elements(By.ID, "legal-holds"))

    sign_in(browser, url_a, "investigator", password_investigator)
    browser.get(approval_url)
    assert browser.find_element(By.ID, "approval-decision-reason").text == "Necessary and proportionate for the assault case."
    browser.find_element(By.CSS_SELECTOR, "#approval-outcome a").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_matches(r"/messages/[0-9a-f-]+$"))
    assert "Health" in browser.find_element(By.CSS_SELECTOR, "strong.special").text


def test_subject_request_and_oversight_console(demo, browser):
    """The data-protection officer records a data subject's access request, searches the node,
    finds the demo's message about Jonas Doe, grants access and opens the answer; the oversight
    role sees the console and the transparency report."""
    _, credentials = demo
    url_a, password_dpo = credentials[("XA-POL", "data-protection-officer")]
    _, password_oversight = credentials[("XA-POL", "oversight")]
    sign_in(browser, url_a, "data-protection-officer", password_dpo)
    browser.find_element(By.ID, "nav-subject-requests").click()
    Select(browser.find_element(By.ID, "request-kind")).select_by_value("access")
    browser.find_element(By.ID, "request-name").send_keys("DOE, Jonas")
    browser.find_element(By.ID, "request-channel").send_keys("letter of 2 November")
    browser.find_element(By.ID, "record-request").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_matches(r"/subject-requests/[0-9a-f-]+$"))
    browser.find_element(By.ID, "search-subject").click()
    present = expected_conditions.presence_of_element_located
    WebDriverWait(browser, 10).until(present((By.ID, "findings")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
    assert rows and any("Jonas Doe" in row.text for row in rows)
    Select(browser.find_element(By.ID, "decision-outcome")).select_by_value("granted")
    browser.find_element(By.ID, "decision-reasons").send_keys("Nothing restricts access; the record is disclosed.")
    browser.find_element(By.ID, "decide-request").click()
    assert WebDriverWait(browser, 10).until(present((By.ID, "request-outcome"))).get_attribute("data-outcome") == "granted"
    browser.save_screenshot(str(OUTPUT / "subject-request.png"))
    browser.find_element(By.ID, "answer-link").click()
    assert "holds the records below" in WebDriverWait(browser, 10).until(present((By.ID, "answer-statement"))).text
    assert "Jonas Doe" in browser.find_element(By.ID, "answer-records").text

    sign_in(browser, url_a, "oversight", password_oversight)
    browser.find_element(By.ID, "nav-oversight").click()
    assert WebDriverWait(browser, 10).until(present((By.ID, "policy-decisions"))).text.strip() != ""
    assert browser.find_elements(By.ID, "no-anomalies"), "the demo's normal use raises no anomaly"
    browser.save_screenshot(str(OUTPUT / "oversight-console.png"))
    browser.find_element(By.ID, "transparency-link").click()
    report = WebDriverWait(browser, 10).until(present((By.ID, "transparency-report"))).text
    assert "Messages exchanged per partner and purpose" in report
    assert browser.find_elements(By.CSS_SELECTOR, "#report-exchanges tbody tr"), "the demo's messages are counted"
    browser.save_screenshot(str(OUTPUT / "transparency-report.png"))


def wait_until_indexes_ready(port, timeout=60):
    """Waits until a node's /readyz lists no hit/no-hit index still being built."""
    import json
    deadline = time.time() + timeout
    while time.time() < deadline:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            if not json.load(response).get("warming"):
                return
        time.sleep(0.2)
    pytest.fail(f"the node on port {port} still builds its indexes after {timeout} s")


def test_cross_border_dna_hit_and_follow_up(demo, browser):
    """An investigator at XA-POL searches the README's DNA profile at XB-CUS and gets a full hit
    with a random-match probability and no personal data; they ask for the data behind it; XB-CUS's
    supervisor approves with a reason; the requester sees the approval and the message that
    carries the data."""
    base, credentials = demo
    # The partner's DNA index is built in the background after start: search once it is ready.
    wait_until_indexes_ready(base + 1)
    url, password = credentials[("XA-POL", "investigator")]
    sign_in(browser, url, "investigator", password)
    browser.find_element(By.ID, "nav-hits").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "hit-profile"))
    browser.find_element(By.ID, "hit-profile").send_keys(
        "D3S1358=15,16; vWA=17,18; D8S1179=13,14; D21S11=29,30; D18S51=14,15; TH01=6,9.3; FGA=21,22")
    browser.find_element(By.ID, "target-local").click()  # only the partner
    browser.find_element(By.ID, "target-XB-CUS").click()
    browser.find_element(By.ID, "hit-purpose").send_keys("investigation")
    browser.find_element(By.ID, "hit-legal-basis").send_keys("Council Decision 2008/615/JHA Art. 3")
    browser.find_element(By.ID, "hit-case").send_keys("XA-2026-0042")
    browser.find_element(By.ID, "hit-submit").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".hit-results"))
    section = browser.find_element(By.CSS_SELECTOR, ".hit-results[data-source='XB-CUS']")
    assert section.find_element(By.CSS_SELECTOR, ".hit-status").text == "answered", section.text
    assert section.find_element(By.CSS_SELECTOR, ".hit-outcome").text == "hit"
    match = section.find_element(By.CSS_SELECTOR, "li[data-reference='XB-DNA-2026-0007']")
    assert "7 loci compared" in match.text and "random-match probability 1 in" in match.text
    browser.save_screenshot(str(OUTPUT / "hit-dna.png"))
    match.find_element(By.NAME, "justification").send_keys("The stain matches our suspect's sample; we need the case file behind it.")
    match.find_element(By.CSS_SELECTOR, ".follow-up-submit").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/hits/follow-ups"))
    row = browser.find_element(By.CSS_SELECTOR, "#outgoing tbody tr")
    assert row.find_element(By.CSS_SELECTOR, ".follow-up-status").text == "requested"

    owner_url, owner_password = credentials[("XB-CUS", "supervisor")]
    sign_in(browser, owner_url, "supervisor", owner_password)
    browser.get(owner_url.replace("/login", "/hits/follow-ups"))
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#incoming .decision-form"))
    form = browser.find_element(By.CSS_SELECTOR, "#incoming .decision-form")
    form.find_element(By.NAME, "reason").send_keys("Match confirmed manually by the DNA unit.")
    form.find_element(By.CSS_SELECTOR, "button.approve").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#incoming .follow-up-status"))
    assert browser.find_element(By.CSS_SELECTOR, "#incoming .follow-up-status").text == "approved"

    sign_in(browser, url, "investigator", password)
    browser.get(url.replace("/login", "/hits/follow-ups"))
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#outgoing .follow-up-status"))
    assert browser.find_element(By.CSS_SELECTOR, "#outgoing .follow-up-status").text == "approved"
    assert browser.find_elements(By.CSS_SELECTOR, "#outgoing .follow-up-message")


def test_case_file_in_the_browser(demo, browser):
    """The police investigator finds the seeded case under Cases, reads its file (the threads and
    evidence recorded under it, the people named, the review date), searches it, opens a case
    through the form (a bad reference keeps what was typed), and closes it; a message under the
    closed case is refused. At phone width the history is stacked rows, not a cut-off table."""
    _, credentials = demo
    url, password = credentials[("XA-POL", "investigator")]
    sign_in(browser, url, "investigator", password)
    browser.find_element(By.ID, "nav-cases").click()
    browser.find_element(By.LINK_TEXT, "XA-2026-0042").click()
    across_navigation(browser, lambda b: b.find_element(By.ID, "case-reference").text == "XA-2026-0042")
    history = browser.find_element(By.ID, "case-history").text
    assert "Message sent" in history and "Grey van XA-123-BC at the northern crossing" in history, history
    assert "Evidence registered" in history and "Tobacco sample" in history, history
    assert "Jonas Doe" in browser.find_element(By.ID, "case-entities").text
    assert "Review of the need to keep the case" in browser.find_element(By.ID, "case-deadlines").text
    browser.save_screenshot(str(OUTPUT / "case-file.png"))
    browser.find_element(By.ID, "case-q").send_keys("tobacco")
    browser.find_element(By.CSS_SELECTOR, "form[role=search] button").click()
    across_navigation(browser, lambda b: "q=tobacco" in b.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "#case-history tbody tr")
    assert rows and all("obacco" in row.text for row in rows), [row.text for row in rows]

    browser.get(url.replace("/login", "/cases"))
    browser.find_element(By.ID, "case-title").send_keys("Cigarette warehouse in the port")
    Select(browser.find_element(By.ID, "case-offences")).select_by_value("fraud")
    browser.find_element(By.ID, "case-legalBasis").send_keys("Aldorian Code of Criminal Procedure, Art. 8")
    browser.find_element(By.ID, "case-team").send_keys("analyst, nobody-here")
    browser.find_element(By.ID, "open-case-submit").click()
    across_navigation(browser, lambda b: b.find_element(By.ID, "form-error").is_displayed())
    assert "nobody-here" in browser.find_element(By.ID, "form-error").text
    assert browser.find_element(By.ID, "case-title").get_attribute("value") == "Cigarette warehouse in the port"
    assert [o.get_attribute("value") for o in Select(browser.find_element(By.ID, "case-offences")).all_selected_options] == ["fraud"]
    team = browser.find_element(By.ID, "case-team")
    team.clear()
    team.send_keys("analyst")
    browser.find_element(By.ID, "open-case-submit").click()
    across_navigation(browser, lambda b: b.find_element(By.ID, "case-reference").text.startswith("XA-2026-"))
    reference = browser.find_element(By.ID, "case-reference").text
    assert browser.find_element(By.ID, "case-lead").text == "investigator"
    assert "Case opened" in browser.find_element(By.ID, "case-history").text
    browser.find_element(By.ID, "close-reason").send_keys("Merged into XA-2026-0042.")
    browser.find_element(By.ID, "close-case-submit").click()
    across_navigation(browser, lambda b: b.find_element(By.ID, "case-status").text == "Closed")

    browser.get(url.replace("/login", f"/messages/new?caseRef={reference}"))
    assert browser.find_element(By.ID, "caseRef").get_attribute("value") == reference
    browser.find_element(By.ID, "to-XB-CUS").click()
    browser.find_element(By.ID, "subject").send_keys("Warehouse lease")
    browser.find_element(By.ID, "body").send_keys("Who rents unit 7?")
    browser.find_element(By.ID, "legalBasis").send_keys("Council Framework Decision 2006/960/JHA")
    browser.find_element(By.ID, "send").click()
    across_navigation(browser, lambda b: "is closed" in b.find_element(By.ID, "compose-error").text)
    assert browser.find_element(By.ID, "subject").get_attribute("value") == "Warehouse lease"

    browser.set_window_size(390, 844)
    try:
        browser.get(url.replace("/login", "/cases/XA-2026-0042"))
        cell = browser.find_element(By.CSS_SELECTOR, "#case-history tbody tr td")
        assert cell.value_of_css_property("display") == "grid"
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        browser.save_screenshot(str(OUTPUT / "case-file-phone.png"))
    finally:
        browser.set_window_size(1280, 1000)


def test_joint_team_in_the_browser(demo, browser):
    """The demo's three agencies share one JIT: the customs investigator sees it active with every
    party's contributions (replicated from the other nodes), adds a note that the prosecutor's
    office then sees, and a proposal with an end before its start keeps what was typed."""
    _, credentials = demo
    url_b, password_b = credentials[("XB-CUS", "investigator")]
    sign_in(browser, url_b, "investigator", password_b)
    browser.find_element(By.ID, "nav-jits").click()
    browser.find_element(By.LINK_TEXT, "JIT Northern Tobacco").click()
    space_url = browser.current_url
    # The nodes replicate the seeded contributions to each other within seconds of starting.
    deadline = time.time() + 40
    while time.time() < deadline:
        text = browser.find_element(By.ID, "jit-status").text
        items = browser.find_elements(By.CSS_SELECTOR, "#jit-contributions li")
        if text.startswith("Active") and len(items) >= 4:
            break
        time.sleep(1)
        browser.refresh()
    assert browser.find_element(By.ID, "jit-status").text.startswith("Active")
    contributions = browser.find_element(By.ID, "jit-contributions").text
    for expected in ["Grey van XA-123-BC crosses at night", "Inspect the van at its next entry", "Kick-off meeting"]:
        assert expected in contributions, contributions
    browser.find_element(By.ID, "contribution-title").send_keys("Van inspected: 40 cartons found")
    browser.find_element(By.ID, "contribution-text").send_keys("Seized at the E19 post at 03:25.")
    browser.find_element(By.ID, "contribute-submit").click()
    across_navigation(browser, lambda b: "Van inspected" in b.find_element(By.ID, "jit-contributions").text)
    browser.save_screenshot(str(OUTPUT / "jit-space.png"))

    # Two entities and the link between them, through the same form; the graph shows the path.
    for schema, name in [("Person", "Jonas Doe"), ("Company", "Atlas Shipping Ltd")]:
        Select(browser.find_element(By.ID, "contribution-kind")).select_by_value("entity")
        Select(browser.find_element(By.ID, "contribution-entity-schema")).select_by_visible_text(schema)
        browser.find_element(By.ID, "contribution-entity-name").send_keys(name)
        browser.find_element(By.ID, "contribute-submit").click()
        across_navigation(browser, lambda b: name in b.find_element(By.ID, "graph-entities").text)
    Select(browser.find_element(By.ID, "contribution-kind")).select_by_value("link")
    Select(browser.find_element(By.ID, "contribution-link-schema")).select_by_visible_text("Ownership")
    Select(browser.find_element(By.ID, "contribution-link-from")).select_by_visible_text("Jonas Doe (Person)")
    Select(browser.find_element(By.ID, "contribution-link-to")).select_by_visible_text("Atlas Shipping Ltd (Company)")
    browser.find_element(By.ID, "contribute-submit").click()
    across_navigation(browser, lambda b: "Ownership" in b.find_element(By.ID, "graph-links").text)
    Select(browser.find_element(By.ID, "graph-from")).select_by_visible_text("Jonas Doe (Person)")
    Select(browser.find_element(By.ID, "graph-to")).select_by_visible_text("Atlas Shipping Ltd (Company)")
    browser.find_element(By.ID, "graph-path-submit").click()
    across_navigation(browser, lambda b: "Shortest path" in b.find_element(By.ID, "graph-caption").text)
    assert browser.find_elements(By.CSS_SELECTOR, ".graph-view svg circle")
    browser.save_screenshot(str(OUTPUT / "jit-graph.png"))

    url_c, password_c = credentials[("XC-PRO", "judicial-authority")]
    sign_in(browser, url_c, "judicial-authority", password_c)
    browser.get(url_c.replace("/login", "/jits"))
    browser.find_element(By.LINK_TEXT, "JIT Northern Tobacco").click()
    assert "Van inspected: 40 cartons found" in browser.find_element(By.ID, "jit-contributions").text
    # The prosecutor's office answers the evaluation; the answers join the space's own figures.
    browser.find_element(By.ID, "evaluation-worked").send_keys("Weekly calls between the leaders.")
    browser.find_element(By.ID, "evaluation-arrests").send_keys("3")
    browser.find_element(By.ID, "evaluate-submit").click()
    across_navigation(browser, lambda b: "XC-PRO" in b.find_element(By.ID, "evaluation-answers").text)
    assert browser.find_element(By.ID, "evaluation-totals").text.startswith("3 /")
    digest_c = browser.find_element(By.ID, "jit-digest").text

    browser.get(url_c.replace("/login", "/jits"))
    browser.find_element(By.ID, "jit-name").send_keys("JIT Harbour")
    browser.find_element(By.ID, "jit-purpose").send_keys("Trace the proceeds through the harbour companies.")
    parties = browser.find_element(By.ID, "jit-parties")
    parties.send_keys("Prosecutor Ilse Brandt\nXA-POL: Chief Insp. Mara Lind")
    browser.find_element(By.ID, "jit-states").send_keys("XC")
    browser.execute_script("document.getElementById('jit-from').value = '2027-03-01'; document.getElementById('jit-until').value = '2027-01-01';")
    browser.find_element(By.ID, "jit-plan").send_keys("Financial analysis.")
    browser.find_element(By.ID, "jit-information").send_keys("Team purpose only.")
    browser.find_element(By.ID, "jit-evidence").send_keys("Law of XC.")
    browser.find_element(By.ID, "propose-jit-submit").click()
    across_navigation(browser, lambda b: "end after it starts" in b.find_element(By.ID, "form-error").text)
    assert browser.find_element(By.ID, "jit-name").get_attribute("value") == "JIT Harbour"
    assert "XA-POL: Chief Insp. Mara Lind" in browser.find_element(By.ID, "jit-parties").get_attribute("value")

    # The same space on the customs node holds the same contributions.
    sign_in(browser, url_b, "investigator", password_b)
    browser.get(space_url)
    assert browser.find_element(By.ID, "jit-digest").text == digest_c
    browser.set_window_size(390, 844)
    try:
        browser.get(space_url)
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), "the JIT page scrolls sideways on a phone"
        browser.save_screenshot(str(OUTPUT / "jit-space-phone.png"))
    finally:
        browser.set_window_size(1280, 1000)


def test_jit_files_ledger_extension_and_dossier(demo, browser, tmp_path):
    """The customs investigator downloads the file XA-POL shared (its node fetched the chunks) and
    shares one through the page's upload form; the police supervisor sees both downloads and the
    upload in the ledger, proposes an extension that waits for the other parties, and opens a
    dossier on an entity — at desktop and phone width."""
    _, credentials = demo
    url_b, password_b = credentials[("XB-CUS", "investigator")]
    sign_in(browser, url_b, "investigator", password_b)
    browser.get(url_b.replace("/login", "/jits"))
    browser.find_element(By.LINK_TEXT, "JIT Northern Tobacco").click()
    space_b = browser.current_url
    deadline = time.time() + 40
    while time.time() < deadline and not browser.find_elements(By.LINK_TEXT, "e19-crossings.csv"):
        time.sleep(1)
        browser.refresh()
    link = browser.find_element(By.LINK_TEXT, "e19-crossings.csv")
    seeded = browser.execute_async_script(
        "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done, e => done('error ' + e));",
        link.get_attribute("href"))
    assert seeded.startswith("date,time,plate,direction,crossing") and "XA-123-BC" in seeded, seeded

    # Share a file through the form; the title and the file survive the round trip.
    shared = tmp_path / "inspection-report.txt"
    shared.write_text("Inspection of XA-123-BC at E19: 40 cartons, no excise stamps.\n" * 2000)
    browser.find_element(By.ID, "upload-title").send_keys("Inspection report E19")
    browser.find_element(By.ID, "upload-file").send_keys(str(shared))
    browser.find_element(By.ID, "upload-submit").click()
    across_navigation(browser, lambda b: "inspection-report.txt" in b.find_element(By.ID, "jit-files").text)
    assert "Inspection report E19" in browser.find_element(By.ID, "jit-files").text
    assert not browser.find_elements(By.ID, "jit-ledger"), "an investigator does not see the ledger"
    browser.save_screenshot(str(OUTPUT / "jit-files.png"))

    # The police supervisor: the ledger on XA-POL's node lists XB-CUS's download and upload.
    url_a, password_a = credentials[("XA-POL", "supervisor")]
    sign_in(browser, url_a, "supervisor", password_a)
    browser.get(url_a.replace("/login", "/jits"))
    browser.find_element(By.LINK_TEXT, "JIT Northern Tobacco").click()
    space_a = browser.current_url
    deadline = time.time() + 40
    while time.time() < deadline and "inspection-report.txt" not in browser.find_element(By.ID, "jit-ledger").text:
        time.sleep(1)
        browser.refresh()
    ledger = browser.find_element(By.ID, "jit-ledger").text
    assert "download" in ledger and "investigator (XB-CUS)" in ledger and "e19-crossings.csv" in ledger, ledger
    assert "upload" in ledger and "inspection-report.txt" in ledger, ledger

    # An extension waits for the other parties' consent; the typed reason is kept on an error.
    browser.find_element(By.ID, "extension-reason").send_keys("The financial analysis needs three more months.")
    browser.execute_script("document.getElementById('extension-until').value = '2026-01-31';")
    browser.find_element(By.ID, "extension-submit").click()
    across_navigation(browser, lambda b: "ends after the current end" in b.find_element(By.ID, "form-error").text)
    assert browser.find_element(By.ID, "extension-reason").get_attribute("value").startswith("The financial analysis")
    assert browser.find_element(By.ID, "extension-until").get_attribute("value") == "2026-01-31"
    browser.execute_script("document.getElementById('extension-until').value = '2028-06-30';")
    browser.find_element(By.ID, "extension-submit").click()
    across_navigation(browser, lambda b: "XB-CUS, XC-PRO" in b.find_element(By.ID, "jit-extensions").text)
    assert "2028-06-30" in browser.find_element(By.ID, "jit-extensions").text

    # A dossier on an entity of the shared graph.
    Select(browser.find_element(By.ID, "contribution-kind")).select_by_value("entity")
    Select(browser.find_element(By.ID, "contribution-entity-schema")).select_by_visible_text("Company")
    browser.find_element(By.ID, "contribution-entity-name").send_keys("Borvia Transit Ltd")
    browser.find_element(By.ID, "contribute-submit").click()
    across_navigation(browser, lambda b: "Borvia Transit Ltd" in b.find_element(By.ID, "graph-entities").text)
    browser.find_element(By.ID, "contribution-title").send_keys("Borvia Transit Ltd pays the drivers")
    browser.find_element(By.ID, "contribute-submit").click()
    across_navigation(browser, lambda b: "pays the drivers" in b.find_element(By.ID, "jit-contributions").text)
    entry = [item for item in browser.find_elements(By.CSS_SELECTOR, "#graph-entities li") if "Borvia Transit Ltd" in item.text][0]
    entry.find_element(By.CLASS_NAME, "dossier-link").click()
    across_navigation(browser, lambda b: "Borvia Transit Ltd" in b.find_element(By.ID, "dossier-name").text)
    assert "pays the drivers" in browser.find_element(By.ID, "dossier-mentions").text
    dossier_url = browser.current_url
    browser.save_screenshot(str(OUTPUT / "jit-dossier.png"))
    browser.set_window_size(390, 844)
    try:
        for url, shot in [(space_a + "#ledger", "jit-ledger-phone.png"), (dossier_url, "jit-dossier-phone.png")]:
            browser.get(url)
            assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{url} scrolls sideways on a phone"
            browser.save_screenshot(str(OUTPUT / shot))
    finally:
        browser.set_window_size(1280, 1000)

    # The customs supervisor's dashboard asks for the consent, with a link to the space.
    url_bs, password_bs = credentials[("XB-CUS", "supervisor")]
    sign_in(browser, url_bs, "supervisor", password_bs)
    across_navigation(browser, lambda b: "extension to consent to" in b.find_element(By.ID, "work").text)
    browser.find_element(By.CSS_SELECTOR, "#work a").click()
    across_navigation(browser, lambda b: "XB-CUS" in b.find_element(By.ID, "jit-extensions").text)
    browser.find_element(By.CLASS_NAME, "consent-extension").click()
    across_navigation(browser, lambda b: "awaiting XC-PRO" in b.find_element(By.ID, "jit-extensions").text)


def test_instruments_register_form_and_steps_in_the_browser(demo, browser):
    """The executing prosecutor sees the seeded EIO's clock in the register, is refused a refusal
    before consulting (the reason typed is kept), recognises it; the issuing prosecutor fills a
    new EIO on its official form — the problems named at their fields, nothing typed lost —
    validates and transmits it, and it arrives in the executing node's register."""
    base, credentials = demo
    OUTPUT.mkdir(parents=True, exist_ok=True)
    url, password = credentials[("XB-CUS", "judicial-authority")]
    sign_in(browser, url, "judicial-authority", password)
    browser.get(f"http://127.0.0.1:{base + 1}/instruments?due=week")
    browser.get(f"http://127.0.0.1:{base + 1}/instruments")
    rows = browser.find_element(By.ID, "instruments-list").text
    assert "XC-PRO/EIO/" in rows and "Decide on recognition" in rows, rows
    browser.find_element(By.CSS_SELECTOR, "#instruments-list a").click()
    across_navigation(browser, lambda b: b.find_element(By.ID, "instrument-state"))
    assert "no dual-criminality check" in browser.find_element(By.ID, "instrument-offence").text
    refuse = browser.find_element(By.ID, "step-refuse")
    Select(refuse.find_element(By.NAME, "ground")).select_by_value("eio-11-1-a")
    refuse.find_element(By.NAME, "reason").send_keys("Records of a privileged profession")
    refuse.find_element(By.ID, "do-refuse").click()
    error = across_navigation(browser, lambda b: b.find_element(By.ID, "form-error")).text
    assert "consult the issuing authority" in error, error
    assert browser.find_element(By.CSS_SELECTOR, "#step-refuse textarea").get_attribute("value") == "Records of a privileged profession"
    assert Select(browser.find_element(By.CSS_SELECTOR, "#step-refuse select")).first_selected_option.get_attribute("value") == "eio-11-1-a"
    browser.find_element(By.ID, "do-recognise").click()
    across_navigation(browser, lambda b: "recognised" in b.find_element(By.ID, "instrument-state").text)
    assert "Carry out the measure" in browser.find_element(By.ID, "instrument-clocks").text
    browser.set_window_size(390, 844)
    browser.save_screenshot(str(OUTPUT / "instrument-executing-phone.png"))
    browser.set_window_size(1280, 1000)

    url, password = credentials[("XC-PRO", "judicial-authority")]
    sign_in(browser, url, "judicial-authority", password)
    browser.get(f"http://127.0.0.1:{base + 2}/instruments/new?kind=eio")
    # Live validation: a state written out is named at its field as soon as the user pauses.
    state = browser.find_element(By.ID, "f-A-0-issuingState")
    state.send_keys("Caldera")
    live = across_navigation(browser, lambda b: [e for e in b.find_elements(By.CSS_SELECTOR, ".live-problem") if "two-letter" in e.text])
    assert live, "live validation names the field"
    assert "problems" in browser.find_element(By.ID, "live-problems").text
    state.clear()
    browser.find_element(By.ID, "f-A-0-issuingState").send_keys("XC")
    browser.find_element(By.ID, "f-A-0-executingState").send_keys("XB")
    browser.find_element(By.ID, "f-C-0-measures-H4-bank-accounts").click()
    browser.find_element(By.ID, "f-C-0-description").send_keys("Statements of the importer's accounts")
    browser.find_element(By.ID, "instrument-save").click()
    problems = across_navigation(browser, lambda b: b.find_element(By.ID, "form-problems")).text
    assert "section G: missing" in problems and "section H4: missing; this section is mandatory when C.measures is H4-bank-accounts" in problems, problems
    assert browser.find_element(By.ID, "f-C-0-description").get_attribute("value") == "Statements of the importer's accounts"
    assert browser.find_element(By.ID, "f-C-0-measures-H4-bank-accounts").is_selected()
    browser.save_screenshot(str(OUTPUT / "instrument-form-problems.png"))
    Select(browser.find_element(By.ID, "f-F-0-proceedings")).select_by_value("criminal")
    browser.find_element(By.ID, "f-G-0-facts").send_keys("Payments for smuggled cigarettes reached the importer.")
    browser.find_element(By.ID, "f-G-0-legalClassification").send_keys("Money laundering")
    browser.find_element(By.ID, "f-G-0-maximumPenaltyMonths").send_keys("ten years")
    browser.find_element(By.ID, "f-H4-0-holder").send_keys("Nordlys Trading Oy")
    browser.find_element(By.ID, "f-H4-0-reasons").send_keys("The payments reached these accounts.")
    Select(browser.find_element(By.ID, "f-K-0-kind")).select_by_value("prosecutor")
    browser.find_element(By.ID, "f-K-0-name").send_keys("Caldera Public Prosecutor's Office")
    browser.find_element(By.ID, "f-K-0-officer").send_keys("Prosecutor Ilse Brandt")
    browser.execute_script("document.getElementById('f-K-0-date').value = '2026-12-01'")
    browser.find_element(By.ID, "instrument-save").click()
    # The penalty's problem is shown at its field; everything else stays as typed.
    problem = across_navigation(browser, lambda b: b.find_element(By.ID, "f-G-0-maximumPenaltyMonths-problem")).text
    assert "whole number of months" in problem, problem
    assert browser.find_element(By.ID, "f-H4-0-holder").get_attribute("value") == "Nordlys Trading Oy"
    assert browser.find_element(By.ID, "f-K-0-date").get_attribute("value") == "2026-12-01"
    field = browser.find_element(By.ID, "f-G-0-maximumPenaltyMonths")
    field.clear()
    field.send_keys("120")
    browser.find_element(By.ID, "instrument-save").click()
    across_navigation(browser, lambda b: b.find_element(By.ID, "instrument-saved"))
    reference = browser.find_element(By.ID, "instrument-reference").text
    browser.find_element(By.ID, "do-validate").click()
    across_navigation(browser, lambda b: "validated" in b.find_element(By.ID, "instrument-state").text)
    browser.find_element(By.ID, "do-transmit").click()
    across_navigation(browser, lambda b: "transmitted" in b.find_element(By.ID, "instrument-state").text)
    browser.save_screenshot(str(OUTPUT / "instrument-issuing.png"))

    url, password = credentials[("XB-CUS", "judicial-authority")]
    sign_in(browser, url, "judicial-authority", password)
    deadline = time.time() + 30
    while time.time() < deadline:
        browser.get(f"http://127.0.0.1:{base + 1}/instruments?due=week")
        if reference in browser.find_element(By.TAG_NAME, "main").text:
            break
        time.sleep(1)
    assert reference in browser.find_element(By.ID, "instruments-list").text


def test_money_trail_in_the_browser(demo, browser, tmp_path):
    """The analyst opens the seeded case's money trail: the scan's alerts wait (a cycle of three
    Borvian firms, a scatter-gather through four mules), each with its reasons; confirming needs a
    reason. A trace from the smuggler's firm by name shows the graph and the flow table with the
    border crossings and keeps what was typed; a bad file names its lines and keeps the choices. At
    phone width nothing is cut off."""
    _, credentials = demo
    url, password = credentials[("XA-POL", "analyst")]
    sign_in(browser, url, "analyst", password)
    browser.get(url.replace("/login", "/cases/XA-2026-0042"))
    browser.find_element(By.ID, "case-finance").click()
    across_navigation(browser, lambda b: b.find_element(By.ID, "alerts").is_displayed())
    alerts = browser.find_element(By.ID, "alerts").text
    assert "Cycle" in alerts and "Scatter-gather" in alerts, alerts
    assert browser.find_element(By.ID, "pending-alerts").text.endswith("waiting")
    item = next(li for li in browser.find_elements(By.CSS_SELECTOR, "#alerts > li") if li.text.startswith("Scatter-gather"))
    item.find_element(By.TAG_NAME, "summary").click()
    assert "Meridian Capital Ltd" in item.find_element(By.CSS_SELECTOR, "ul.explanation").text
    alert_id = item.get_attribute("id")
    item.find_element(By.TAG_NAME, "textarea").send_keys("Four mules paid just under the threshold; reported to the FIU.")
    item.find_element(By.CSS_SELECTOR, "button[value=confirm]").click()
    across_navigation(browser, lambda b: "confirmed" in b.find_element(By.ID, "finance-notice").text)
    assert "confirmed by analyst" in browser.find_element(By.ID, alert_id).text
    browser.save_screenshot(str(OUTPUT / "money-trail-alerts.png"))

    browser.find_element(By.ID, "trace-account").send_keys("Aldorian Tobacco Wholesale")
    Select(browser.find_element(By.ID, "trace-method")).select_by_value("pro-rata")
    depth = browser.find_element(By.ID, "trace-depth")
    depth.clear()
    depth.send_keys("3")
    browser.find_element(By.ID, "trace").click()
    across_navigation(browser, lambda b: b.find_element(By.ID, "trace-result").is_displayed())
    assert "Meridian Capital Ltd" in browser.find_element(By.ID, "trace-ends").text
    assert "across a border" in browser.find_element(By.ID, "trace-flows").text
    assert browser.find_elements(By.CSS_SELECTOR, "svg.trace-graph g.flow.cross-border")
    assert browser.find_element(By.ID, "trace-account").get_attribute("value") == "Aldorian Tobacco Wholesale"
    assert Select(browser.find_element(By.ID, "trace-method")).first_selected_option.get_attribute("value") == "pro-rata"
    assert browser.find_element(By.ID, "trace-depth").get_attribute("value") == "3"
    browser.execute_script("document.getElementById('trace-result').scrollIntoView()")
    browser.save_screenshot(str(OUTPUT / "money-trail-trace.png"))

    bad = tmp_path / "bad-statement.csv"
    bad.write_text("id,debtor,creditor,amount,currency,date\nB-1,DE89370400440532013000,NL91ABNA0417164300,1.005,EUR,2026-03-01\nB-2,DE89370400440532013001,NL91ABNA0417164300,1.00,EUR,2026-03-01\n")
    Select(browser.find_element(By.ID, "import-format")).select_by_value("csv")
    browser.find_element(By.ID, "import-file").send_keys(str(bad))
    browser.find_element(By.ID, "import").click()
    across_navigation(browser, lambda b: b.find_element(By.ID, "problem-lines").is_displayed())
    problems = browser.find_element(By.ID, "problem-lines").text
    assert "line 2" in problems and "line 3" in problems, problems
    assert Select(browser.find_element(By.ID, "import-format")).first_selected_option.get_attribute("value") == "csv"

    # The cross-border next step: ask the Calderan partner, the request written from the trace.
    browser.find_element(By.ID, "trace-account").clear()
    browser.find_element(By.ID, "trace-account").send_keys("Aldorian Tobacco Wholesale")
    browser.find_element(By.ID, "trace").click()
    across_navigation(browser, lambda b: b.find_element(By.ID, "trace-ends").is_displayed())
    ask = browser.find_element(By.ID, "trace-ends").find_element(By.PARTIAL_LINK_TEXT, "Ask XC-PRO")
    browser.get(ask.get_attribute("href"))
    across_navigation(browser, lambda b: b.find_element(By.ID, "subject").get_attribute("value").startswith("Account holder and statements"))
    assert browser.find_element(By.ID, "to-XC-PRO").is_selected()
    assert browser.find_element(By.ID, "caseRef").get_attribute("value") == "XA-2026-0042"
    assert "XA-2026-0042" in browser.find_element(By.ID, "body").get_attribute("value")

    # The partner's answer comes back with the statements attached; the analyst imports them
    # into the case's money trail from the message, in one click.
    statements = tmp_path / "statements-NL91ABNA0417164300.csv"
    statements.write_text("id,debtor,creditor,amount,currency,date\nNL-1,NL91ABNA0417164300,DE89370400440532013000,9500.00,EUR,2026-03-02\n"
                          "NL-2,NL91ABNA0417164300,BE68539007547034,4100.00,EUR,2026-03-03\n")
    url_b, password_b = credentials[("XB-CUS", "investigator")]
    sign_in(browser, url_b, "investigator", password_b)
    browser.get(url_b.replace("/login", "/messages/new"))
    browser.find_element(By.ID, "to-XA-POL").click()
    browser.find_element(By.ID, "subject").send_keys("Statements of NL91ABNA0417164300")
    browser.find_element(By.ID, "body").send_keys("As requested: the account's statements for March.")
    browser.find_element(By.ID, "legalBasis").send_keys("Council Framework Decision 2006/960/JHA")
    browser.find_element(By.ID, "caseRef").send_keys("XA-2026-0042")
    browser.find_element(By.ID, "attachments").send_keys(str(statements))
    browser.find_element(By.ID, "send").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_matches(r"/messages/[0-9a-f-]+$"))
    assert "statements-NL91ABNA0417164300.csv" in browser.find_element(By.CSS_SELECTOR, "ul.attachments").text
    for _ in range(50):
        if browser.find_element(By.CSS_SELECTOR, "table.deliveries td.state").text == "delivered":
            break
        time.sleep(0.2)
        browser.refresh()
    sign_in(browser, url, "analyst", password)
    browser.get(url.replace("/login", "/messages"))
    browser.find_element(By.LINK_TEXT, "Statements of NL91ABNA0417164300").click()
    across_navigation(browser, lambda b: b.find_element(By.CSS_SELECTOR, "ul.attachments").is_displayed())
    browser.set_window_size(390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    browser.execute_script("document.querySelector('ul.attachments').scrollIntoView()")
    browser.save_screenshot(str(OUTPUT / "message-with-statements-phone.png"))
    browser.set_window_size(1280, 1000)
    browser.find_element(By.CSS_SELECTOR, "ul.attachments button").click()
    across_navigation(browser, lambda b: "2 transactions added" in b.find_element(By.ID, "finance-notice").text)
    assert "statements-NL91ABNA0417164300.csv" in browser.find_element(By.ID, "finance-notice").text

    browser.set_window_size(390, 844)
    try:
        browser.get(url.replace("/login", "/cases/XA-2026-0042/finance"))
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        browser.save_screenshot(str(OUTPUT / "money-trail-phone.png"))
    finally:
        browser.set_window_size(1280, 1000)
