import { expect, Page, test } from "@playwright/test";
import { ready, signIn } from "./helpers";

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
  const login = await request.post("/api/v1/auth/login", { data: { login: "ivanova", password: "demo" } });
  const token = (await login.json()).token;
  const r = await request.post("/api/v1/tickets", {
    headers: { Authorization: `Bearer ${token}` },
    data: { kind: "other", subject: `Узкий экран ${info.project.name}`, fields: { topic: "payments" } },
  });
  expect(r.status()).toBe(201);
  const id = (await r.json()).id;

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
