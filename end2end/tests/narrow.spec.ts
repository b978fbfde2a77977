import { expect, Page, test } from "@playwright/test";
import { fileQuestion, ready, signIn } from "./helpers";

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

  await page.context().clearCookies();
  await signIn(page, info, "kuznetsova");
  await page.goto("/queue");
  await ready(page, info);
  await noSideways(page, "queue");
  await page.goto("/reports");
  await ready(page, info);
  await noSideways(page, "reports");
});
