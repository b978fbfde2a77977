import { expect, test } from "@playwright/test";
import { fileQuestion, jsOn, ready, signIn, signOut } from "./helpers";

// One request travels from an employee to the IT queue and back, with
// JavaScript on and off. The steps share the request, so they run in order.
test.describe.serial("an e-signature key request", () => {
  let subject = "";
  let requestUrl = "";

  test("ivanova files it and sees it in her list", async ({ page }, info) => {
    subject = `Продлить ключ ЭП (${info.project.name}) ${Date.now()}`;
    await signIn(page, info, "ivanova");
    await page.getByRole("link", { name: "Новое обращение" }).first().click();
    await ready(page, info);
    await page.getByLabel("Ключ электронной подписи").check();
    await page.getByRole("button", { name: "Далее" }).click();
    await ready(page, info);
    await page.getByLabel("Тема").fill(subject);
    await page.getByLabel("Для какой системы нужен ключ").selectOption("sed");
    await page.getByLabel("Что нужно сделать").selectOption("renewal");
    await page.getByLabel("Владелец ключа (фамилия, имя, отчество)").fill("Иванова Анна Сергеевна");
    await page.getByRole("button", { name: "Отправить обращение" }).click();

    await expect(page).toHaveURL(/\/requests\/\d+\?created=1/);
    await expect(page.getByRole("status")).toContainText("Обращение зарегистрировано");
    await expect(page.locator("h1 .number")).toHaveText(/^IT-\d{4}-\d{6}$/);
    await expect(page.locator("[data-unit]")).toHaveText("Отдел информационных технологий");
    // The tab names the request, then the service.
    await expect(page).toHaveTitle(/^IT-\d{4}-\d{6} — Продлить ключ ЭП .* — Служба поддержки$/);
    requestUrl = new URL(page.url()).pathname;

    await page.getByRole("link", { name: "Мои обращения" }).click();
    await ready(page, info);
    await expect(page).toHaveTitle("Мои обращения — Служба поддержки");
    await expect(page.getByRole("row", { name: new RegExp(subject.replace(/[()]/g, "\\$&")) })).toBeVisible();
  });

  test("smirnov finds it in the IT queue and replies", async ({ page }, info) => {
    await signIn(page, info, "smirnov");
    await page.goto("/queue");
    await ready(page, info);
    const row = page.getByRole("row").filter({ hasText: subject });
    await expect(row).toBeVisible();
    await row.getByRole("link").first().click();
    await expect(page).toHaveURL(new RegExp(requestUrl));
    await ready(page, info);
    await page.getByLabel("Служебная заметка (видят только сотрудники подразделения)").check();
    await page.getByLabel("Сообщение").fill("Проверить доверенность на получение ключа");
    await page.getByRole("button", { name: "Отправить", exact: true }).click();
    await expect(page.locator(".comment.internal")).toContainText("Проверить доверенность");
    // The form starts afresh: nothing to send twice, no note by accident.
    await expect(page.getByLabel("Сообщение")).toHaveValue("");
    await expect(page.getByLabel("Служебная заметка (видят только сотрудники подразделения)")).not.toBeChecked();
    await page.getByLabel("Сообщение").fill("Ключ готов, приходите в кабинет 305 с паспортом");
    await page.getByRole("button", { name: "Отправить", exact: true }).click();
    await expect(page.locator(".comment:not(.internal)")).toContainText("кабинет 305");
    await expect(page.locator("[data-status]")).toHaveText("В работе");
  });

  test("ivanova sees the reply but not the internal note", async ({ page }, info) => {
    await signIn(page, info, "ivanova");
    await page.goto(requestUrl);
    await ready(page, info);
    await expect(page.locator(".comment")).toHaveCount(1);
    await expect(page.locator(".comment")).toContainText("кабинет 305");
    await expect(page.getByText("Проверить доверенность")).toHaveCount(0);
    await signOut(page);
  });

  test("popov of the supplies unit cannot open it", async ({ page }, info) => {
    await signIn(page, info, "popov");
    await page.goto(requestUrl);
    await ready(page, info);
    await expect(page.getByRole("alert")).toContainText("Не найдено или нет доступа");
    await expect(page.getByText(subject)).toHaveCount(0);
  });
});

test("a form with mistakes says what is wrong and keeps what was typed", async ({ page }, info) => {
  await signIn(page, info, "ivanova");
  await page.goto("/requests/new?kind=payment_clarification");
  await ready(page, info);
  await page.getByLabel("Тема").fill("Уточнить платёж за январь");
  await page.getByLabel("Номер платёжного поручения").fill("17");
  await page.getByLabel("КБК (код бюджетной классификации)").fill("1821010201");
  const long = "Платёж прошёл дважды. ".repeat(400);
  await page.getByLabel(/^Описание/).fill(long);
  await page.getByRole("button", { name: "Отправить обращение" }).click();
  const summary = page.locator("#form-error");
  await expect(summary).toBeVisible();
  // Each field named with what is wrong with it.
  await expect(summary).toContainText("Дата платёжного поручения: Заполните это поле.");
  await expect(summary).toContainText("КБК (код бюджетной классификации): Значение не подходит по формату");
  await expect(page.getByLabel("Тема")).toHaveValue("Уточнить платёж за январь");
  await expect(page.getByLabel("Номер платёжного поручения")).toHaveValue("17");
  await expect(page.getByLabel(/^Описание/)).toHaveValue(long);
  // The first wrong field has focus.
  await expect(page.getByLabel("Дата платёжного поручения")).toBeFocused();
  // Without JavaScript what was typed comes back from a draft, not the address.
  expect(jsOn(info) || page.url().includes("__err")).toBeTruthy();
  expect(page.url().length).toBeLessThan(1500);
});

test("a wrong password gets one plain message", async ({ page }, info) => {
  await page.goto("/login");
  await ready(page, info);
  await page.getByLabel("Имя пользователя").fill("ivanova");
  await page.getByLabel("Пароль").fill("wrong");
  await page.getByRole("button", { name: "Вход" }).click();
  await expect(page.locator("#login-error")).toHaveText("Неверное имя пользователя или пароль.");
  await expect(page.getByLabel("Имя пользователя")).toHaveValue("ivanova");
});

test("the interface switches to English for the signed-in user and back", async ({ page, request }, info) => {
  // A question for the accounting unit, which volkov heads.
  const subject = `Language ${info.project.name} ${Date.now()}`;
  const t = await fileQuestion(request, subject);
  await signIn(page, info, "volkov");
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("link", { name: "My requests" })).toBeVisible();
  await page.goto("/requests");
  await ready(page, info);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("My requests");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  // The catalogue's names come in English too: the kind and the unit.
  await page.goto(`/queue?q=${t.number}`);
  await ready(page, info);
  const row = page.locator(`tr[data-number="${t.number}"]`);
  await expect(row).toContainText("Other question or consultation");
  await expect(row).toContainText("Accounting");
  await expect(row.locator("[data-left]")).toHaveText(/^\d+ (working days?|h) left$/);
  await page.getByRole("button", { name: "Русский" }).click();
  await expect(page.getByRole("link", { name: "Мои обращения" })).toBeVisible();
});

test("an executor registers an oral request taken by phone", async ({ page }, info) => {
  const subject = `Не работает принтер (${info.project.name}) ${Date.now()}`;
  await signIn(page, info, "smirnov");
  await page.getByRole("link", { name: "Зарегистрировать обращение сотрудника" }).click();
  await ready(page, info);
  await page.getByLabel("Настройка рабочего места (АРМ)").check();
  await page.getByRole("button", { name: "Далее" }).click();
  await ready(page, info);
  // The employee by surname: picked from the directory's list with the
  // keyboard (JavaScript), or typed and resolved when sent (without).
  const who = page.getByLabel("Сотрудник", { exact: true });
  if (jsOn(info)) {
    await who.pressSequentially("иванов");
    const option = page.getByRole("option", { name: /Иванова Анна Сергеевна/ });
    await expect(option).toBeVisible();
    await expect(who).toHaveAttribute("aria-expanded", "true");
    await who.press("ArrowDown");
    await expect(who).toHaveAttribute("aria-activedescendant", await option.getAttribute("id") ?? "");
    await who.press("Enter");
    await expect(who).toHaveValue("ivanova");
    await expect(page.getByRole("listbox")).toBeHidden();
  } else {
    await who.fill("Иванова");
  }
  await page.getByLabel("Канал поступления").selectOption("phone");
  await page.getByLabel("Форма обращения").selectOption("oral");
  await page.getByLabel("Тема").fill(subject);
  await page.getByLabel("Кабинет").fill("112");
  await page.getByLabel("Что нужно", { exact: true }).selectOption("printer");
  await page.getByLabel("Срочность").selectOption("urgent");
  await page.getByRole("button", { name: "Зарегистрировать" }).click();
  await expect(page).toHaveURL(/\/requests\/\d+\?created=1/);
  await expect(page.locator("dl.facts").first()).toContainText("Устное");
  await expect(page.locator("dl.facts").first()).toContainText("Телефон");
  await expect(page.locator("dl.facts").first()).toContainText("Иванова Анна Сергеевна");
});

test("a surname several people go by is refused naming them, with the form kept", async ({ page }, info) => {
  await signIn(page, info, "smirnov");
  await page.goto("/queue/register?kind=workstation");
  await ready(page, info);
  await page.getByLabel("Сотрудник", { exact: true }).fill("ова");
  await page.getByLabel("Тема").fill("Несколько подходят");
  await page.getByRole("button", { name: "Зарегистрировать" }).click();
  await ready(page, info);
  await expect(page.locator("#e-requester_login")).toContainText("Подходят несколько сотрудников");
  await expect(page.locator("#e-requester_login")).toContainText("Иванова Анна Сергеевна (ivanova)");
  await expect(page.getByLabel("Тема")).toHaveValue("Несколько подходят");
  await expect(page.getByLabel("Сотрудник", { exact: true })).toHaveValue("ова");
});
