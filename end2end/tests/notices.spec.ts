import { APIRequestContext, expect, test } from "@playwright/test";
import { apiToken, fileQuestion, jsOn, ready, signIn } from "./helpers";

// Notices, with JavaScript on and off: each names its request, opening one
// marks it read, and its link survives signing in first. Questions about
// payments (the accounting unit; other tests read the IT queue's first page).

async function fileOne(request: APIRequestContext, subject: string): Promise<{ id: number; number: string }> {
  // The unit's staff are told of what arrives once they have signed in at
  // least once (they are known from then on).
  await apiToken(request, "sokolova");
  return fileQuestion(request, subject);
}

async function noticeFor(request: APIRequestContext, login: string, ticket: number) {
  const r = await request.get("/api/v1/notifications", {
    headers: { Authorization: `Bearer ${await apiToken(request, login)}` },
  });
  expect(r.status()).toBe(200);
  const list: { id: number; ticket_id: number; read: boolean }[] = (await r.json()).items;
  return list.find((n) => n.ticket_id === ticket);
}

test("a notice names its request and opening it marks it read", async ({ page, request }, info) => {
  const subject = `Уведомление ${info.project.name} ${Date.now()}`;
  const t = await fileOne(request, subject);
  await signIn(page, info, "sokolova");
  await expect(page.locator("a.bell")).toContainText(/\d+ непрочитанн(ое|ых)/);
  await page.goto("/notifications");
  await ready(page, info);
  const link = page.getByRole("link", { name: `${t.number}: ${subject}` });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/requests/${t.id}$`));
  expect((await noticeFor(request, "sokolova", t.id))?.read).toBe(true);
});

test("a notice link opened before signing in leads to its request after", async ({ page, request }, info) => {
  const subject = `Ссылка из письма ${info.project.name} ${Date.now()}`;
  const t = await fileOne(request, subject);
  const notice = await noticeFor(request, "sokolova", t.id);
  expect(notice?.read).toBe(false);
  await page.goto(`/notifications/${notice!.id}/open`);
  await expect(page).toHaveURL(/\/login\?next=/);
  await ready(page, info);
  await page.getByLabel("Имя пользователя").fill("sokolova");
  await page.getByLabel("Пароль").fill("demo");
  await page.getByRole("button", { name: "Вход" }).click();
  await expect(page).toHaveURL(new RegExp(`/requests/${t.id}$`));
  await expect(page.locator("h1")).toContainText(subject);
  expect((await noticeFor(request, "sokolova", t.id))?.read).toBe(true);
});

test("a request's address opened before signing in comes back after", async ({ page, request }, info) => {
  const t = await fileOne(request, `Прямая ссылка ${info.project.name} ${Date.now()}`);
  await page.goto(`/requests/${t.id}`);
  await ready(page, info);
  await page.locator(".alert a", { hasText: "Вход" }).click();
  await expect(page).toHaveURL(/\/login\?next=/);
  await ready(page, info);
  await page.getByLabel("Имя пользователя").fill("ivanova");
  await page.getByLabel("Пароль").fill("demo");
  await page.getByRole("button", { name: "Вход" }).click();
  await expect(page).toHaveURL(new RegExp(`/requests/${t.id}$`));
});

test("the bell follows new notices without a reload", async ({ page, request }, info) => {
  test.skip(!jsOn(info), "without JavaScript the count is the page's own");
  await apiToken(request, "sokolova");
  await signIn(page, info, "sokolova");
  await page.goto("/kb");
  await ready(page, info);
  const bell = page.locator("a.bell");
  const before = Number(await bell.getAttribute("data-unread"));
  await page.evaluate(() => {
    (window as unknown as { stillHere: boolean }).stillHere = true;
  });
  await fileQuestion(request, `Колокольчик ${Date.now()}`);
  // Coming back to the tab asks at once (else within half a minute).
  await expect
    .poll(async () => {
      await page.evaluate(() => window.dispatchEvent(new Event("focus")));
      return Number(await bell.getAttribute("data-unread"));
    })
    .toBeGreaterThan(before);
  await expect(bell).toContainText(/\d+ непрочитанн(ое|ых)/);
  expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
});
