import { APIRequestContext, expect, Page, TestInfo } from "@playwright/test";

export const jsOn = (info: TestInfo) => info.project.name === "js";

// What the browser refused under the Content-Security-Policy, per page.
const violations = new WeakMap<Page, string[]>();

function watch(page: Page) {
  if (violations.has(page)) return;
  const seen: string[] = [];
  violations.set(page, seen);
  page.on("console", (m) => {
    if (/Content Security Policy/.test(m.text())) seen.push(m.text());
  });
}

/** Waits until the page has loaded and the WebAssembly bundle has hydrated
 * it (JS project only), and checks that nothing so far broke the Content-Security-Policy. */
export async function ready(page: Page, info: TestInfo) {
  watch(page);
  // A form's redirect changes the address before the new page's stylesheet
  // has arrived: measure and click only on the loaded page.
  await page.waitForLoadState("load");
  if (jsOn(info)) {
    await expect(page.locator("body[data-hydrated]")).toHaveCount(1, { timeout: 20_000 });
  }
  expect(violations.get(page)).toEqual([]);
}

export async function signIn(page: Page, info: TestInfo, login: string, password = "demo") {
  watch(page);
  await page.goto("/login");
  await ready(page, info);
  await page.getByLabel("Имя пользователя").fill(login);
  await page.getByLabel("Пароль").fill(password);
  await page.getByRole("button", { name: "Вход" }).click();
  await expect(page).not.toHaveURL(/\/login/);
  await ready(page, info);
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Выйти" }).click();
  await expect(page).toHaveURL(/\/login/);
}

/** A bearer token for `login` (every demo account's password is `demo`). */
export async function apiToken(request: APIRequestContext, login: string): Promise<string> {
  const r = await request.post("/api/v1/auth/login", { data: { login, password: "demo" } });
  expect(r.status()).toBe(200);
  return (await r.json()).token;
}

/** Ivanova's question about payments, filed through the API: it goes to the
 * accounting unit (sokolova works it), away from the IT queue's first page
 * that other tests read. */
export async function fileQuestion(request: APIRequestContext, subject: string): Promise<{ id: number; number: string }> {
  const r = await request.post("/api/v1/tickets", {
    headers: { Authorization: `Bearer ${await apiToken(request, "ivanova")}` },
    data: { kind: "other", subject, fields: { topic: "payments" } },
  });
  expect(r.status()).toBe(201);
  return await r.json();
}
