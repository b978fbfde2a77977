import { APIRequestContext, expect, Page, test } from "@playwright/test";
import { apiToken, fileQuestion, ready, signIn } from "./helpers";

// A double click sends a form once, with JavaScript on and off: one request
// filed, one reply posted. Chromium without JavaScript lets only the second
// of two quick posts through, so the posts fired at once below stand for a
// browser or a proxy that sends both: the form's submission key makes every
// post after the first find the first's record.
// The requests are questions about payments (the accounting unit's queue):
// other tests read the first page of the IT queue.

async function mine(request: APIRequestContext, q: string): Promise<number> {
  const r = await request.get(`/api/v1/tickets?scope=mine&q=${encodeURIComponent(q)}`, {
    headers: { Authorization: `Bearer ${await apiToken(request, "ivanova")}` },
  });
  expect(r.status()).toBe(200);
  return (await r.json()).items.length;
}

/** The named form's fields as the browser would post them, and where to. */
async function formOf(page: Page, selector: string): Promise<{ action: string; fields: Record<string, string> }> {
  return page.locator(selector).evaluate((form: HTMLFormElement) => {
    const fields: Record<string, string> = {};
    for (const [k, v] of new FormData(form).entries()) if (typeof v === "string") fields[k] = v;
    return { action: form.getAttribute("action") ?? "", fields };
  });
}

test("a double click files one request", async ({ page, request }, info) => {
  const stamp = `dbl${info.project.name}${Date.now()}`;
  await signIn(page, info, "ivanova");
  await page.goto("/requests/new?kind=other");
  await ready(page, info);
  await page.getByLabel("Тема").fill(`Двойной щелчок ${stamp}`);
  await page.getByLabel("О чём вопрос").selectOption("payments");
  await page.getByRole("button", { name: "Отправить обращение" }).dblclick();
  await expect(page).toHaveURL(/\/requests\/\d+\?created=1/);
  await expect(page.getByRole("status")).toContainText("Обращение зарегистрировано");
  // Both posts have been answered by now (the page shown is the second's).
  await page.waitForLoadState("networkidle");
  expect(await mine(request, stamp)).toBe(1);
});

test("a double click posts one reply", async ({ page, request }, info) => {
  const stamp = `reply${info.project.name}${Date.now()}`;
  const url = `/requests/${(await fileQuestion(request, `Ответ двойным щелчком ${stamp}`)).id}`;
  await signIn(page, info, "sokolova");
  await page.goto(url);
  await ready(page, info);
  await page.getByLabel("Сообщение").fill(`Подойдите в кабинет 305 ${stamp}`);
  await page.getByRole("button", { name: "Отправить", exact: true }).dblclick();
  await expect(page.locator(".comment", { hasText: stamp })).toHaveCount(1);
  await page.waitForLoadState("networkidle");
  await page.goto(url);
  await ready(page, info);
  await expect(page.locator(".comment", { hasText: stamp })).toHaveCount(1);
  // The next message is a message of its own.
  await page.getByLabel("Сообщение").fill(`И паспорт ${stamp}`);
  await page.getByRole("button", { name: "Отправить", exact: true }).click();
  await expect(page.locator(".comment", { hasText: stamp })).toHaveCount(2);
});

test("a form posted twice at once, as a browser may without JavaScript, files one request", async ({ page, request }, info) => {
  const stamp = `twice${info.project.name}${Date.now()}`;
  await signIn(page, info, "ivanova");
  await page.goto("/requests/new?kind=other");
  await ready(page, info);
  await page.getByLabel("Тема").fill(`Два раза ${stamp}`);
  await page.getByLabel("О чём вопрос").selectOption("payments");
  const { action, fields } = await formOf(page, "form.request-form");
  expect(fields.submission).toMatch(/^[0-9a-f]{16,}$/);
  const post = () =>
    page.request.post(action, { multipart: fields, headers: { Accept: "text/html", Referer: page.url() }, maxRedirects: 0 });
  const answers = await Promise.all([post(), post(), post()]);
  for (const a of answers) expect(a.status(), await a.text()).toBeLessThan(400);
  expect(await mine(request, stamp)).toBe(1);
});

test("a reply posted twice at once posts one message", async ({ page, request }, info) => {
  const stamp = `twicereply${info.project.name}${Date.now()}`;
  const url = `/requests/${(await fileQuestion(request, `Ответ два раза ${stamp}`)).id}`;
  await signIn(page, info, "sokolova");
  await page.goto(url);
  await ready(page, info);
  await page.getByLabel("Сообщение").fill(`Кабинет 305 ${stamp}`);
  const { action, fields } = await formOf(page, "form.reply-form");
  expect(fields.submission).toMatch(/^[0-9a-f]{16,}$/);
  const post = () =>
    page.request.post(action, { form: fields, headers: { Accept: "text/html", Referer: page.url() }, maxRedirects: 0 });
  const answers = await Promise.all([post(), post(), post()]);
  for (const a of answers) expect(a.status(), await a.text()).toBeLessThan(400);
  await page.goto(url);
  await ready(page, info);
  await expect(page.locator(".comment", { hasText: stamp })).toHaveCount(1);
});
