import { APIRequestContext, expect, Page, test } from "@playwright/test";
import { apiToken, fileQuestion, ready, signIn } from "./helpers";

// The working loop on the request page, with JavaScript on and off: a
// question and the requester's reply, the answer rated and confirmed, and a
// request reopened. Each request is filed through the API to keep the flows short.

async function file(request: APIRequestContext, subject: string): Promise<string> {
  const r = await request.post("/api/v1/tickets", {
    headers: { Authorization: `Bearer ${await apiToken(request, "ivanova")}` },
    data: {
      kind: "esign_key",
      subject,
      fields: { system: "sed", action: "renewal", holder: "Иванова Анна Сергеевна" },
    },
  });
  expect(r.status()).toBe(201);
  return `/requests/${(await r.json()).id}`;
}

async function finalAnswer(request: APIRequestContext, url: string) {
  const id = url.split("/").pop();
  const r = await request.post(`/api/v1/tickets/${id}/answer`, {
    headers: { Authorization: `Bearer ${await apiToken(request, "smirnov")}` },
    data: { body: "Ключ выпущен, кабинет 305", final: true, outcome: "solved" },
  });
  expect(r.status()).toBe(200);
}

async function open(page: Page, info: Parameters<typeof ready>[1], who: string, url: string) {
  await signIn(page, info, who);
  await page.goto(url);
  await ready(page, info);
}

test("a clarifying question waits for the requester and her reply returns it to work", async ({ page, request }, info) => {
  const url = await file(request, `Вопрос исполнителя (${info.project.name}) ${Date.now()}`);
  await open(page, info, "smirnov", url);
  await page.getByLabel("Сообщение").fill("Для какого кабинета нужен ключ?");
  await page.getByLabel(/Это уточняющий вопрос заявителю/).check();
  await page.getByRole("button", { name: "Отправить", exact: true }).click();
  await expect(page.locator("[data-status]")).toHaveText("Ждёт ответа заявителя");

  await open(page, info, "ivanova", url);
  await expect(page.locator(".question-waiting")).toContainText("Исполнитель задал вам уточняющий вопрос");
  await expect(page.locator(".comment")).toContainText("Для какого кабинета");
  await page.getByLabel("Сообщение").fill("Кабинет 214");
  await page.getByRole("button", { name: "Отправить", exact: true }).click();
  await expect(page.locator("[data-status]")).toHaveText("В работе");
  await expect(page.locator(".question-waiting")).toHaveCount(0);

  // The executor is told at once.
  await signIn(page, info, "smirnov");
  await page.goto("/notifications");
  await ready(page, info);
  await expect(page.locator(".notice").first()).toContainText("Кабинет 214");
});

test("the requester rates the answer with one click and confirms it", async ({ page, request }, info) => {
  const url = await file(request, `Оценка ответа (${info.project.name}) ${Date.now()}`);
  await finalAnswer(request, url);
  await open(page, info, "ivanova", url);
  await expect(page.getByRole("heading", { name: "Ответ получен" })).toBeVisible();
  await page.getByRole("button", { name: "Оценка 4 из 5" }).click();
  await expect(page.locator(".rated")).toHaveText("Спасибо за оценку! Ваша оценка: 4 из 5");
  await expect(page.getByRole("button", { name: "Оценка 5 из 5" })).toHaveCount(0);
  await page.getByRole("button", { name: "Вопрос решён, закрыть обращение" }).click();
  await expect(page.locator("[data-status]")).toHaveText("Закрыто");
  await expect(page.getByRole("button", { name: "Вопрос решён, закрыть обращение" })).toHaveCount(0);
  await expect(page.locator(".timeline")).toContainText("Заявитель подтвердил, что вопрос решён");
});

test("the requester reopens an answer that did not settle it", async ({ page, request }, info) => {
  const url = await file(request, `Возврат в работу (${info.project.name}) ${Date.now()}`);
  await finalAnswer(request, url);
  await open(page, info, "ivanova", url);
  await expect(page.locator(".reopen-until")).toContainText("Вернуть в работу можно до");
  await page.getByText("Вопрос не решён, вернуть в работу", { exact: true }).first().click();
  await page.getByLabel("Что осталось нерешённым").fill("Ключ не подходит к СЭД");
  await page.getByRole("button", { name: "Вопрос не решён, вернуть в работу" }).click();
  await expect(page.locator("[data-status]")).toHaveText("В работе");
  await expect(page.locator(".comment").last()).toContainText("Ключ не подходит к СЭД");
  await expect(page.getByRole("heading", { name: "Ответ получен" })).toHaveCount(0);

  // The head sees it back in the queue's work and can no longer close it.
  await open(page, info, "kuznetsova", url);
  await expect(page.getByRole("button", { name: "Снять с контроля и закрыть" })).toHaveCount(0);
});

test("the unit head takes an answered request off control", async ({ page, request }, info) => {
  const url = await file(request, `Снятие с контроля (${info.project.name}) ${Date.now()}`);
  await finalAnswer(request, url);
  await open(page, info, "kuznetsova", url);
  await page.getByRole("button", { name: "Снять с контроля и закрыть" }).click();
  await expect(page.locator("[data-status]")).toHaveText("Закрыто");
});

test("staff work from one stream, see the requester's contacts and go on to the next request", async ({ page, request }, info) => {
  const stamp = `${info.project.name}${Date.now()}`;
  const first = await fileQuestion(request, `Поток ${stamp} 1`);
  await fileQuestion(request, `Поток ${stamp} 2`);
  await signIn(page, info, "sokolova");
  await page.goto(`/requests/${first.id}`);
  await ready(page, info);

  // The requester's contacts from the directory, in the side panel.
  const side = page.getByRole("complementary", { name: "Сведения об обращении" });
  await expect(side.locator("[data-contact=phone]")).toHaveAttribute("href", "tel:+74212401201");
  await expect(side.locator("[data-contact=email]")).toHaveText("ivanova@servicedesk.test");

  await page.getByRole("button", { name: "Взять в работу" }).click();
  await expect(page.getByRole("button", { name: "Взять в работу" })).toHaveCount(0);
  await ready(page, info);
  // A note for colleagues, then a reply: the switch says who sees each.
  await page.getByRole("radio", { name: /Служебная заметка/ }).check();
  await page.getByLabel("Сообщение").fill(`Сверить с ведомостью ${stamp}`);
  await page.getByRole("button", { name: "Отправить", exact: true }).click();
  await expect(page.locator(".comment.internal")).toContainText("Сверить с ведомостью");
  await ready(page, info);
  await expect(page.getByRole("radio", { name: /Ответ заявителю/ })).toBeChecked();
  await page.getByLabel("Сообщение").fill(`Справку подготовим ${stamp}`);
  await page.getByRole("button", { name: "Отправить", exact: true }).click();
  await expect(page.locator(".comment:not(.internal)")).toContainText("Справку подготовим");
  await ready(page, info);

  // One stream, oldest first: registered, taken, the note, the reply.
  const stream = page.locator("ol.activity > li");
  const texts = await stream.allInnerTexts();
  const at = (needle: string) => texts.findIndex((t) => t.includes(needle));
  expect(at("Обращение зарегистрировано")).toBeGreaterThanOrEqual(0);
  expect(at("Обращение зарегистрировано")).toBeLessThan(at("Взято в работу"));
  expect(at("Взято в работу")).toBeLessThan(at("Сверить с ведомостью"));
  expect(at("Сверить с ведомостью")).toBeLessThan(at("Справку подготовим"));
  // Only the messages, with JavaScript on or off.
  await page.getByRole("radio", { name: "Только сообщения" }).check();
  await expect(page.locator("ol.activity > li.event").first()).toBeHidden();
  await expect(page.locator("ol.activity > li.message")).toHaveCount(2);
  await expect(page.locator("ol.activity > li.message").first()).toBeVisible();

  // On to the next open request of the queue.
  const next = side.getByRole("link", { name: /Следующее в очереди/ });
  await next.click();
  await ready(page, info);
  await expect(page).toHaveURL(/\/requests\/\d+$/);
  expect(page.url()).not.toMatch(new RegExp(`/requests/${first.id}$`));
  await expect(page.locator("h1 .number")).toHaveText(/^BUH-/);
});
