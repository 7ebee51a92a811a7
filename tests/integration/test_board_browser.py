"""The warnings board in a real browser: the demo's run, watched live in headless Chromium.

The demo's sample, grading standard and scripted analyst go through a worker on the session's
real broker and Redis (as ``riskwire demo`` runs them) while ``GET /board`` is open in
Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by Selenium; ``make test``
installs them). After each simulated day on which a warning changed, the open page must catch
up with the worker's ``GET /warnings`` without being reloaded. At the end the rows must be the
worker's warnings in their current versions, each coloured by its grade, in the DOM and in the
pixels of a screenshot (``var/board/``); filters must hide rows; a warning's panel must show its
history, evidence by feed, explanation and the chart of its cluster's counts against the
threshold, as the API gives them.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from cli.demo import DEMO_STANDARD, ScriptedAnalyst
from detectors.standard import standard_to_dict
from lab.sample import generate
from lab.scenario import Lifecycle, Outputs, WorkerProcess, check_incidents, replay
from schemas.records import StandardChange, Tick, Warning
from streams.settings import Settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # the Makefile's, or Debian's
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "board"
ANALYST = "board-analyst-token-0123456789"
TOKENS = json.dumps(
    {"tokens": [{"principal": "board.analyst", "roles": ["analyst"], "token": ANALYST}]}
)
#: the board's grade colours (streams/static/board.css), as a screenshot shows them
GRADE_RGB = {"I": (220, 38, 38), "II": (249, 115, 22), "III": (250, 204, 21), "IV": (37, 99, 235)}
CATCH_UP = 20.0  # seconds the page may take to show what the worker answers (it polls every 3)

ROWS_JS = """
return [...document.querySelectorAll('#warnings tbody tr')].map(r => ({
  id: r.dataset.warningId, version: Number(r.dataset.version), grade: r.dataset.grade,
  state: r.dataset.state, status: r.dataset.status, kind: r.dataset.kind}));
"""


def api(settings: Settings, path: str, token: str | None = ANALYST) -> Any:
    """The worker's answer to ``GET path``, as JSON (``HTTPError`` on an error status)."""
    request = urllib.request.Request(f"http://127.0.0.1:{settings.web_port}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_for(what: str, probe: Callable[[], Any], timeout: float = CATCH_UP) -> Any:
    """``probe()``'s first truthy answer, or fail saying ``what`` did not happen in time."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.25)


def rows(driver: WebDriver) -> list[dict[str, Any]]:
    return list(driver.execute_script(ROWS_JS))


def listed(settings: Settings) -> list[dict[str, Any]]:
    """The worker's warnings as the board's rows show them, in the API's order."""
    return [
        {
            "id": w["warning_id"],
            "version": w["version"],
            "grade": w["grade"],
            "state": w["state"],
            "status": w["status"],
            "kind": w["kind"],
        }
        for w in api(settings, "/warnings")["warnings"]
    ]


def page_catches_up(driver: WebDriver, settings: Settings) -> list[dict[str, Any]]:
    """Wait until the open page's rows are the worker's warnings (no reload: it polls)."""
    last: list[Any] = []

    def same() -> bool:
        last[:] = [listed(settings), rows(driver)]
        return last[0] == last[1]

    try:
        wait_for("the board shows the worker's warnings", same)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nworker: {last[0]}\nboard:  {last[1]}") from None
    return list(last[0])


def near(pixel: tuple[int, ...], rgb: tuple[int, int, int], tolerance: int = 10) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], rgb, strict=True))


def grade_pixels(
    shot: Image.Image, element: WebElement, within: WebElement, ratio: float
) -> dict[str, int]:
    """How many pixels of each grade colour the screenshot shows of ``element``, where
    ``within`` (its scrolling box) shows it."""
    box, clip = element.rect, within.rect
    left, top = max(box["x"], clip["x"]), max(box["y"], clip["y"])
    right = min(box["x"] + box["width"], clip["x"] + clip["width"])
    bottom = min(box["y"] + box["height"], clip["y"] + clip["height"])
    crop = shot.crop(
        (int(left * ratio), int(top * ratio), int(right * ratio), int(bottom * ratio))
    ).convert("RGB")
    counts = dict.fromkeys(GRADE_RGB, 0)
    for n, pixel in crop.getcolors(crop.width * crop.height) or []:
        for grade, rgb in GRADE_RGB.items():
            if near(pixel, rgb):
                counts[grade] += n
    return counts


def screenshot_shows_rows_by_grade(driver: WebDriver, name: str) -> dict[str, dict[str, int]]:
    """Save a screenshot; check that each visible row shows its own grade's colour in it and
    no other grade's. Returns the pixel counts by warning id."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = driver.get_screenshot_as_png()
    (SHOTS / name).write_bytes(png)
    shot = Image.open(io.BytesIO(png))
    ratio = float(driver.execute_script("return window.devicePixelRatio"))
    height = float(driver.execute_script("return window.innerHeight"))
    found: dict[str, dict[str, int]] = {}
    listing = driver.find_element(By.ID, "list")
    for row in driver.find_elements(By.CSS_SELECTOR, "#warnings tbody tr"):
        if row.rect["y"] + row.rect["height"] > height:
            continue  # below the fold: not in the screenshot
        grade = row.get_attribute("data-grade") or ""
        counts = grade_pixels(shot, row, listing, ratio)
        wid = row.get_attribute("data-warning-id") or ""
        found[wid] = counts
        assert counts[grade] >= 60, f"{name}: row {wid} (grade {grade}) shows {counts}"
        others = {g: n for g, n in counts.items() if g != grade and n > 4}
        assert not others, f"{name}: row {wid} (grade {grade}) shows other grades {others}"
    assert found, f"{name}: no row in the screenshot"
    return found


def chromium() -> WebDriver:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.fail(
                f"{path} missing: `make test` installs Chromium "
                "(apt-get install -y chromium chromium-driver)"
            )
    zh = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    if not zh.stdout.strip():  # else product names render as empty boxes in the screenshots
        pytest.fail(
            "no Chinese font: `make test` installs one (apt-get install fonts-wqy-microhei)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for arg in (
        "--headless=new",
        "--no-sandbox",  # root in CI
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--force-device-scale-factor=1",
        "--window-size=1400,1000",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


class DemoBoard:
    """The demo's run with the board open: what the test looks at afterwards."""

    def __init__(self, settings: Settings, driver: WebDriver, outputs: Outputs) -> None:
        self.settings, self.driver, self.outputs = settings, driver, outputs
        self.checked_days = 0
        self.peak: dict[str, dict[str, int]] = {}


@pytest.fixture(scope="module")
def board(
    new_pipeline: Callable[..., AbstractContextManager[Settings]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DemoBoard]:
    with new_pipeline(tokens=TOKENS) as settings:
        worker = WorkerProcess(settings, tmp_path_factory.mktemp("board") / "worker.log")
        driver: WebDriver | None = None
        try:
            wait_for("the worker answers", lambda: _health(settings, worker), timeout=120)
            driver = chromium()
            yield _run_demo(settings, worker, driver)
        finally:
            if driver is not None:
                driver.quit()
            worker.stop()


def _health(settings: Settings, worker: WorkerProcess) -> bool:
    worker.check_alive()
    try:
        return bool(api(settings, "/health", token=None)["status"] == "ok")
    except (OSError, urllib.error.URLError):
        return False


def _run_demo(settings: Settings, worker: WorkerProcess, driver: WebDriver) -> DemoBoard:
    """``riskwire demo``'s replay, the board open and checked after each day that changed."""
    base = f"http://127.0.0.1:{settings.web_port}"
    driver.get(f"{base}/board")
    token = wait_for("the token form", lambda: _visible(driver, "#token"))
    token.send_keys(ANALYST)
    driver.find_element(By.CSS_SELECTOR, "#token-form button[type=submit]").click()
    wait_for("the first poll", lambda: driver.execute_script("return document.body.dataset.polls"))
    driver.execute_script("window.sameDocument = true")  # gone if the page were reloaded

    sample = generate(seed=7, days=42)
    analyst = ScriptedAnalyst()
    changed: list[Warning] = []
    peak: dict[str, Any] = {"grades": 0, "pixels": {}}
    checked = [0]

    def seen(w: Warning) -> None:
        analyst.saw(w)
        changed.append(w)

    def after_day(at: datetime) -> list[Lifecycle]:
        if changed:
            changed.clear()
            shown = page_catches_up(driver, settings)
            checked[0] += 1
            in_force = {r["grade"] for r in shown if r["status"] == "active"}
            if len(in_force) > peak["grades"]:
                peak["grades"] = len(in_force)
                peak["pixels"] = screenshot_shows_rows_by_grade(driver, "board-demo-peak.png")
        return list(analyst.decide(at))

    end = max(r.event_time for r in sample.records)
    gone = DEMO_STANDARD.quiet_period + DEMO_STANDARD.evaluation_period
    outputs = replay(
        settings,
        sample,
        worker=worker,
        on_warning=seen,
        first=[StandardChange(standard=standard_to_dict(DEMO_STANDARD))],
        after_day=after_day,
        last=[Tick(tick=end + gone + timedelta(days=1))],
    )
    made = DemoBoard(settings, driver, outputs)
    made.checked_days, made.peak = checked[0], peak["pixels"]
    report = check_incidents(sample, outputs)
    assert report.ok, (report.missed, report.noise_warnings)
    return made


def _visible(driver: WebDriver, selector: str) -> WebElement | None:
    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0] if found and found[0].is_displayed() else None


def test_the_page_follows_the_run_live_without_a_reload(board: DemoBoard) -> None:
    assert board.checked_days >= 5, "warnings changed on several days of the demo"
    assert board.driver.execute_script("return window.sameDocument === true")
    assert "token=" not in board.driver.current_url
    stored = board.driver.execute_script("return sessionStorage.getItem('riskwire.board.token')")
    assert stored == ANALYST
    # while the run went on the board showed warnings in force at two grades or more at once
    assert len(board.peak) >= 2, board.peak


def test_the_page_runs_without_errors_or_policy_violations(board: DemoBoard) -> None:
    page_catches_up(board.driver, board.settings)
    logged = board.driver.get_log("browser")
    # the one expected complaint: the first poll, before the token was typed, was refused
    errors = [e for e in logged if e["level"] == "SEVERE" and "401" not in e["message"]]
    assert not errors, errors


def test_the_rows_are_the_demos_warnings_in_their_current_state(board: DemoBoard) -> None:
    shown = page_catches_up(board.driver, board.settings)
    final = board.outputs.final_warnings  # the latest version of each, from the topic
    assert len(shown) == len(final) == 3
    for row in shown:
        w = final[row["id"]]
        assert (row["version"], row["grade"], row["state"], row["status"]) == (
            w.version,
            w.grade,
            w.state,
            w.status,
        )
    # a quiet month and a week after the last report the demo's warnings are lifted
    assert {(r["state"], r["status"]) for r in shown} == {("lifted", "lifted")}
    # the heater lifted at I, the enoki at II, the scooter at III: three colours on the board
    assert sorted(r["grade"] for r in shown) == ["I", "II", "III"]


def test_each_row_is_coloured_by_its_grade_in_the_dom_and_the_screenshot(
    board: DemoBoard,
) -> None:
    driver = board.driver
    page_catches_up(driver, board.settings)
    for row in driver.find_elements(By.CSS_SELECTOR, "#warnings tbody tr"):
        grade = row.get_attribute("data-grade") or ""
        colour = "{}, {}, {}".format(*GRADE_RGB[grade])
        badge = row.find_element(By.CSS_SELECTOR, ".badge")
        assert badge.text == grade
        assert badge.value_of_css_property("background-color") == f"rgba({colour}, 1)"
        assert f"rgb({colour})" in row.value_of_css_property("box-shadow")  # coloured edge
    pixels = screenshot_shows_rows_by_grade(driver, "board-demo.png")
    assert set(pixels) == {r["id"] for r in rows(driver)}


def test_filters_hide_the_rows_that_do_not_match(board: DemoBoard) -> None:
    driver, settings = board.driver, board.settings
    everything = page_catches_up(driver, settings)
    warnings = {w["warning_id"]: w for w in api(settings, "/warnings")["warnings"]}

    def shown_ids() -> list[str]:
        return [r["id"] for r in rows(driver)]

    def expect(ids: list[str], what: str) -> None:
        wait_for(f"{what}: rows {ids}", lambda: shown_ids() == ids, timeout=5)

    grade = everything[0]["grade"]
    box = driver.find_element(By.CSS_SELECTOR, f"input[name=grade][value='{grade}']")
    box.click()
    kept = [r["id"] for r in everything if r["grade"] != grade]
    expect(kept, f"grade {grade} unticked")
    box.click()
    expect([r["id"] for r in everything], "every grade ticked")

    product = warnings[everything[-1]["id"]]["product"]
    typed = driver.find_element(By.ID, "filter-product")
    typed.send_keys(product[-3:])
    expect([i for i in shown_ids() if product[-3:] in warnings[i]["product"]], "product")
    assert shown_ids() and len(shown_ids()) < len(everything)
    typed.clear()
    typed.send_keys(" ")  # an input event with an empty filter
    typed.clear()
    expect([r["id"] for r in everything], "product filter cleared")

    kind = everything[0]["kind"]
    Select(driver.find_element(By.ID, "filter-kind")).select_by_value(kind)
    expect([r["id"] for r in everything if r["kind"] == kind], f"kind {kind}")
    Select(driver.find_element(By.ID, "filter-kind")).select_by_value("")

    named = sorted({r for w in warnings.values() for r in w["regions"]})
    having_region = {r: [i for i, w in warnings.items() if r in w["regions"]] for r in named}
    region, having = min(having_region.items(), key=lambda kv: (len(kv[1]), kv[0]))
    assert len(having) < len(everything), "some region is named by fewer warnings than all"
    Select(driver.find_element(By.ID, "filter-region")).select_by_value(region)
    expect([r["id"] for r in everything if r["id"] in having], f"region {region}")
    Select(driver.find_element(By.ID, "filter-region")).select_by_value("")

    Select(driver.find_element(By.ID, "filter-status")).select_by_value("active")
    expect([], "only warnings in force (none left)")
    assert driver.find_element(By.ID, "empty").is_displayed()
    Select(driver.find_element(By.ID, "filter-status")).select_by_value("")
    expect([r["id"] for r in everything], "every filter off")


def test_the_chart_counts_are_the_clusters_as_the_pipeline_published_it(
    board: DemoBoard, read_until: Callable[..., list[dict[str, Any]]]
) -> None:
    final = board.outputs.final_warnings
    # the whole topic: read until the time is up (Tansu's end offsets fall a batch short)
    published = read_until(board.settings, "clusters", lambda seen: False, timeout=10)
    for wid, warning in final.items():
        series = board_series(board.settings, wid)
        cid = warning.cluster_id
        cluster = max(  # each record of a cluster counts every signal it has absorbed
            (c for c in published if c["cluster_id"] == cid), key=lambda c: c["signal_count"]
        )
        daily = cluster["daily_counts"]
        assert series["cluster_id"] == cid
        assert series["counts"] == [daily.get(d, 0) for d in series["dates"]]
        assert sum(series["counts"]) == sum(daily.values()) > 0  # every day of it shown
        assert series["dates"][0] < min(daily) and series["dates"][-1] >= max(daily)
        for method in ("ears-c1", "ears-c2", "ears-c3", "cusum"):
            line = series["methods"][method]
            assert len(line["threshold"]) == len(line["alarm"]) == len(series["dates"])
            for count, threshold, alarm in zip(
                series["counts"], line["threshold"], line["alarm"], strict=True
            ):  # an alarm is a day above the threshold (with 3 reports or more)
                assert not alarm or (threshold is not None and count >= max(threshold, 3))


def board_series(settings: Settings, warning_id: str) -> dict[str, Any]:
    found: dict[str, Any] = api(settings, f"/warnings/{warning_id}/series")
    return found


def test_a_warnings_panel_shows_its_history_evidence_and_chart(board: DemoBoard) -> None:
    driver, settings = board.driver, board.settings
    everything = page_catches_up(driver, settings)
    # the warning with the most versions: the one the analyst decided on most
    details = {r["id"]: api(settings, f"/warnings/{r['id']}") for r in everything}
    wid = max(details, key=lambda i: (len(details[i]["history"]), i))
    detail = details[wid]
    series = api(settings, f"/warnings/{wid}/series")
    driver.find_element(By.CSS_SELECTOR, f"#warnings tr[data-warning-id='{wid}']").click()

    history = detail["history"]
    wait_for(
        "the history in the panel",
        lambda: (
            len(driver.find_elements(By.CSS_SELECTOR, "#history tbody.version")) == len(history)
        ),
    )
    changes = [
        e.get_attribute("data-change")
        for e in driver.find_elements(By.CSS_SELECTOR, "#history tbody.version")
    ]
    assert changes == [v["change"] for v in history]
    decided = [v for v in history if v["decided_by"] != "riskwire"]
    assert decided, "the scripted analyst decided on this warning"
    assert len(driver.find_elements(By.CSS_SELECTOR, "#history tbody.by-person")) == len(decided)
    reasons = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#history tr.why")]
    assert reasons == [v["reason"] or "—" for v in history]
    assert "demo-analyst" in driver.find_element(By.ID, "history").text

    feeds = driver.find_elements(By.CSS_SELECTOR, "#evidence table.feeds tbody tr")
    counts = {
        e.get_attribute("data-feed"): e.find_elements(By.TAG_NAME, "td")[1].text for e in feeds
    }
    want = {f: str(n) for f, n in detail["warning"]["feed_counts"].items()}
    assert {f: c for f, c in counts.items() if f in want} == want
    # a feed's reports, opened: the latest of them with time, region and excerpt
    feed = sorted({r["feed"] for r in detail["reports"] if not r.get("expired")})[0]
    kept = sorted(
        (r for r in detail["reports"] if r.get("feed") == feed), key=lambda r: r["event_time"]
    )
    driver.find_element(By.CSS_SELECTOR, f"#evidence details[data-feed='{feed}'] summary").click()
    listed_reports = driver.find_elements(
        By.CSS_SELECTOR, f"#evidence details[data-feed='{feed}'] li"
    )
    assert len(listed_reports) == min(len(kept), 25)
    assert kept[-1]["excerpt"][:20] in listed_reports[-1].text
    explained = driver.find_element(By.ID, "explanation").text
    w = detail["warning"]
    assert f"hazard {w['hazard']} × urgency {w['urgency']} × scope {w['scope']}" in explained
    assert "baseline per week" in explained

    wait_for("the chart", lambda: driver.find_elements(By.CSS_SELECTOR, "#chart svg rect.bar"))
    bars = driver.find_elements(By.CSS_SELECTOR, "#chart svg rect.bar")
    assert [b.get_attribute("data-date") for b in bars] == series["dates"]
    assert [int(b.get_attribute("data-count") or -1) for b in bars] == series["counts"]
    assert sum(series["counts"]) > 10  # the cluster's reports, day by day
    assert driver.find_elements(By.CSS_SELECTOR, "#chart svg path.threshold")
    alarms = series["methods"]["ears-c2"]["alarm"]
    assert len(driver.find_elements(By.CSS_SELECTOR, "#chart rect.bar.alarm")) == sum(alarms)
    marks = driver.find_elements(By.CSS_SELECTOR, "#chart svg line.version")
    assert marks and len(marks) <= len(history)
    Select(driver.find_element(By.ID, "chart-method")).select_by_value("cusum")
    cusum = series["methods"]["cusum"]["alarm"]
    wait_for(
        "the CUSUM threshold",
        lambda: len(driver.find_elements(By.CSS_SELECTOR, "#chart rect.bar.alarm")) == sum(cusum),
    )
    Select(driver.find_element(By.ID, "chart-method")).select_by_value("ears-c2")

    # the whole page, panel open, for a person to look at
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(int(height) + 120, 4000))
    try:
        screenshot_shows_rows_by_grade(driver, "board-demo-detail.png")
    finally:
        driver.set_window_size(1400, 1000)


def test_the_page_is_open_and_the_data_needs_an_analyst_token(board: DemoBoard) -> None:
    base = f"http://127.0.0.1:{board.settings.web_port}"
    with urllib.request.urlopen(f"{base}/board", timeout=10) as response:
        policy = response.headers["Content-Security-Policy"]
        page = response.read().decode()
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    elsewhere = page.replace('"http://www.w3.org/2000/svg"', "")  # a name, not a place
    assert "http://" not in elsewhere and "https://" not in elsewhere
    some = next(iter(board.outputs.final_warnings))
    for path in ("/warnings", f"/warnings/{some}", f"/warnings/{some}/series"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            api(board.settings, path, token=None)
        assert refused.value.code == 401, path
