"""Browser end-to-end fixtures: one sandbox + bot + Agents Playground and one headless Chromium page per module.

Requirements are installed by `make setup-browser` (run by `make test`). Nothing is skipped silently:
PARTNERBOT_SKIP_BROWSER=1 skips with that reason (ignored when CI=true); a missing browser, playwright or
Playground fails with the command that installs it. When a test fails, a screenshot, the page's HTML and the
Playground's logs go to artifacts/browser/<test>/ (PARTNERBOT_ARTIFACTS overrides the folder;
PARTNERBOT_SCREENSHOTS=all also keeps them for passing tests).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from scripts.playground_stack import ALEX, MEGAN, PLAYGROUND_BIN, REPO_ROOT, LocalStack

CHROMIUM = Path(os.environ.get("PARTNERBOT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
ARTIFACTS = Path(os.environ.get("PARTNERBOT_ARTIFACTS", REPO_ROOT / "artifacts")) / "browser"
LOOPBACK = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?(/|$)")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def browser_requirements_problem() -> str | None:
    """Why the browser test cannot run here, or None."""
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing (Debian package chromium)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        problems.append("Python playwright is not installed (dev dependency)")
    if not PLAYGROUND_BIN.exists():
        problems.append("npm @microsoft/m365agentsplayground is not installed (npm ci)")
    if not problems:
        return None
    return "; ".join(problems) + ". Run `make setup-browser`, or set PARTNERBOT_SKIP_BROWSER=1 to skip locally."


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    browser_items = [i for i in items if here in Path(str(i.fspath)).parents]
    if not browser_items:
        return
    if os.environ.get("PARTNERBOT_SKIP_BROWSER") == "1" and not _in_ci():  # CI ignores the flag: it must run
        skip = pytest.mark.skip(reason="PARTNERBOT_SKIP_BROWSER=1: browser end-to-end test skipped on request")
        for item in browser_items:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def roles_document() -> dict:
    """Alex (the Playground's current user) changes seats and approves; Megan requests purchases."""
    return {"default": ["viewer"],
            "users": {ALEX.aad_object_id: ["viewer", "agent", "approver"],
                      MEGAN.aad_object_id: ["viewer", "agent", "purchaser"]}}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalStack]:
    problem = browser_requirements_problem()
    if problem:
        pytest.fail(problem)
    workdir = tmp_path_factory.mktemp("playground")
    roles = workdir / "roles.json"
    roles.write_text(json.dumps(roles_document()), encoding="utf-8")
    async with LocalStack(workdir=workdir / "tool", roles_file=str(roles)) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def page(stack: LocalStack):
    from playwright.async_api import async_playwright

    assert stack.playground is not None
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = await browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")

        async def only_loopback(route):  # the UI asks a CDN for fonts: never leave the machine
            url = route.request.url
            if LOOPBACK.match(url) or url.startswith(("data:", "blob:")):
                await route.continue_()
            else:
                await route.abort()

        await context.route("**/*", only_loopback)
        page = await context.new_page()
        page.set_default_timeout(20_000)
        await page.goto(stack.playground.url)
        try:
            yield page
        finally:
            await context.close()
            await browser.close()


@pytest_asyncio.fixture(loop_scope="module", autouse=True)
async def artifacts_on_failure(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    if not failed and os.environ.get("PARTNERBOT_SCREENSHOTS") != "all":
        return
    if "page" not in request.fixturenames:
        return
    page = request.getfixturevalue("page")
    stack = request.getfixturevalue("stack")
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        await page.screenshot(path=str(folder / "page.png"), full_page=True)
        (folder / "page.html").write_text(await page.content(), encoding="utf-8")
    except Exception as exc:  # a dead page must not hide the test's own failure
        (folder / "screenshot-error.txt").write_text(repr(exc), encoding="utf-8")
    if stack.playground is not None:
        for path in (stack.playground.log_path, stack.playground.tool_log):
            if path.exists():
                shutil.copy(path, folder / path.name)
    print(f"\nbrowser artifacts: {folder}")
