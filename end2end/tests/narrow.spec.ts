import { expect, Page, test } from "@playwright/test";
import { apiToken, fileQuestion, jsOn, ready, signIn } from "./helpers";

// A phone held upright (390 × 844): no page scrolls sideways; wide tables
// scroll inside their own box.

test.use({ viewport: { width: 390, height: 844 } });

async function noSideways(page: Page, what: string) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  expect(scroll, `${what}: the page is ${scroll} px wide in a ${inner} px window`).toBeLessThanOrEqual(inner);
}

test("the work screens fit a phone's width", async ({ page, request }, info) => {
  const { id } = await fileQuestion(request, `Узкий экран ${info.project.name}`);

  await signIn(page, info, "ivanova");
  await noSideways(page, "home");
  await page.goto("/requests/new?kind=payment_clarification");
  await ready(page, info);
  await noSideways(page, "new request");
  await page.goto(`/requests/${id}`);
  await ready(page, info);
  await noSideways(page, "request");
  await page.goto("/requests");
  await ready(page, info);
  await noSideways(page, "my requests");

  // The accounting unit's head: the question filed above is in its queue.
  await page.context().clearCookies();
  await signIn(page, info, "volkov");
  await page.goto("/queue");
  await ready(page, info);
  await noSideways(page, "queue");
  // The queue's rows become cards whose cells keep their column's name.
  const due = page.locator("table.tickets tbody td[data-label='Срок ответа']").first();
  // (Chromium reports the rule as written, `attr(data-label) ": "`.)
  expect(await due.evaluate((td) => getComputedStyle(td, "::before").content)).toMatch(/attr\(data-label\)|Срок ответа/);
  await expect(due).toBeVisible();
  await page.goto("/reports");
  await ready(page, info);
  await noSideways(page, "reports");
});

test("on a phone the header folds its links under «Меню»", async ({ page }, info) => {
  await signIn(page, info, "ivanova");
  const menu = page.locator("header .nav-menu > summary");
  await expect(menu).toBeVisible();
  await expect(menu).toHaveText("Меню");
  const links = page.getByRole("link", { name: "Мои обращения" });
  if (jsOn(info)) {
    // Folded: one line of header.
    await expect(links).toBeHidden();
    const height = await page.locator("header.top").evaluate((h) => h.getBoundingClientRect().height);
    expect(height).toBeLessThanOrEqual(64);
    await menu.click();
    await expect(links).toBeVisible();
    await links.click();
    await expect(page).toHaveURL(/\/requests$/);
  } else {
    // Served open, so that nothing is out of reach; a tap folds it.
    await expect(links).toBeVisible();
    await menu.click();
    await expect(links).toBeHidden();
  }
});

test("the calendar and an article's history fit a phone's width", async ({ page, request }, info) => {
  await signIn(page, info, "admin");
  await page.goto("/admin/calendar");
  await ready(page, info);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await noSideways(page, "calendar");

  const token = await apiToken(request, "smirnov");
  const r = await request.get("/api/v1/kb/articles", { headers: { Authorization: `Bearer ${token}` } });
  expect(r.status()).toBe(200);
  const body = await r.json();
  const articles: { id: number }[] = Array.isArray(body) ? body : body.items;
  expect(articles.length).toBeGreaterThan(0);
  await page.context().clearCookies();
  await signIn(page, info, "smirnov");
  await page.goto(`/kb/${articles[0].id}/history`);
  await ready(page, info);
  await expect(page.locator("table.versions")).toBeVisible();
  await noSideways(page, "article history");
});

test.describe("at 320 px", () => {
  test.use({ viewport: { width: 320, height: 640 } });

  test("the forms fit the narrowest phone", async ({ page, request }, info) => {
    const { id } = await fileQuestion(request, `Самый узкий экран ${info.project.name}`);
    await page.goto("/login");
    await ready(page, info);
    await noSideways(page, "sign-in");
    await signIn(page, info, "ivanova");
    await page.goto("/requests/new");
    await ready(page, info);
    await noSideways(page, "kinds");
    for (const kind of ["payment_clarification", "esign_key", "supplies", "workstation"]) {
      await page.goto(`/requests/new?kind=${kind}`);
      await ready(page, info);
      await noSideways(page, `new request: ${kind}`);
    }
    await page.goto(`/requests/${id}`);
    await ready(page, info);
    await noSideways(page, "request with its reply form");

    await page.context().clearCookies();
    await signIn(page, info, "sokolova");
    await page.goto(`/requests/${id}`);
    await ready(page, info);
    await noSideways(page, "request as staff, with the answer form");
    await page.goto("/queue/register");
    await ready(page, info);
    await noSideways(page, "register a request");
    await page.goto("/queue?unit=BUH");
    await ready(page, info);
    await noSideways(page, "queue with its bar of actions");
  });
});
